/*
 * A valid parking blob that differs from the shipped one: the shipped source
 * (plugins/jump-table/asm/ap_jump_table.S, included unchanged) followed by an ASCII marker after its
 * GDT, so a scenario can tell from the page's bytes which blob the kernel installed.
 */
	.include "ap_jump_table.S"
	.globl	marker
marker:
	.ascii	"SEVLAB-CUSTOM-BLOB"
