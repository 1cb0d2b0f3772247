/* Test kernel A (see kernel.S). */
	.equ	KERNEL_ID, 0x41		/* 'A' */
	.include "kernel.S"
