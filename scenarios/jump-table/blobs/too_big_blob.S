/* A parking blob larger than the AP jump table page: the validator refuses it (too-big). */
	.code16
	.text
	.word	0, 0, 0x20
	.org	0x10
	hlt
	.org	4097
