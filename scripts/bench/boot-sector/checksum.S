/*
 * Interpreter speed anchor: a boot sector that checksums a 4 KiB buffer OUTER times (about 10^9
 * instructions), then writes the low byte of the checksum to the isa-debug-exit port 0xF4.
 * The same binary runs under `sevlab exec` and under QEMU (loaded at 0x7C00 by SeaBIOS), so the
 * exit status doubles as a check that both computed the same checksum.
 */
	.code16
	.section .text
	.globl _start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7c00, %sp
	cld

	/* Fill the buffer at 0x8000 with a pseudo-random pattern (x = x * 5 + 0x3b9d, word by word). */
	movw	$0x8000, %di
	movw	$2048, %cx
	movw	$0x1234, %ax
fill:
	movw	%ax, %bx
	shlw	$2, %ax
	addw	%bx, %ax
	addw	$0x3b9d, %ax
	stosw
	loop	fill

	/* OUTER passes of: for each byte, bx = rol(bx + byte with carry into bh, 1). 7 instructions a byte. */
	xorw	%bx, %bx
	movw	$OUTER, %dx
outer:
	movw	$0x8000, %si
	movw	$4096, %cx
inner:
	movb	(%si), %al
	addb	%al, %bl
	adcb	$0, %bh
	rolw	$1, %bx
	incw	%si
	decw	%cx
	jnz	inner
	decw	%dx
	jnz	outer

	movb	%bl, %al
	andb	$0x7f, %al
	outb	%al, $0xf4
halt:
	hlt
	jmp	halt

	.org	510
	.byte	0x55, 0xaa
