/* A parking blob whose header puts its GDT past the page end (offset 0xfff0): gdt-outside-page. */
	.code16
	.text
	.word	0, 0, 0xfff0
	.org	0x10
	hlt
	.balign	16
