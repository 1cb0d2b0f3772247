/*
 * A parking blob that faults: valid layout, but its entry executes UD2 in 16-bit protected mode with
 * the real-mode IVT still loaded as IDT (sev_ap_park.S), so the #UD cannot be delivered: #GP, double
 * fault, shutdown. Under SEV-ES a shutdown ends the guest.
 */
	.code16
	.text
	.word	0, 0, gdt			/* reset IP, reset CS, GDT offset */
	.org	0x10
	ud2
	.balign	16
gdt:
	.word	gdt_end - gdt - 1
	.long	gdt
	.word	0
	.quad	0, 0
	.word	0xffff, 0
	.byte	0, 0x93, 0, 0
gdt_end:
