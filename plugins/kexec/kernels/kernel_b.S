/* Test kernel B (see kernel.S). */
	.equ	KERNEL_ID, 0x42		/* 'B' */
	.include "kernel.S"
