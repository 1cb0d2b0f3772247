/* Test kernel C (see kernel.S). */
	.equ	KERNEL_ID, 0x43		/* 'C' */
	.include "kernel.S"
