/*
 * The differential harness in 16-bit protected mode: every MMIO class at 8, 16 and (0x66) 32 bits, all
 * eight 16-bit ModRM forms, 16-bit address wrap-around, segment bases from DS, ES, SS, FS and GS with
 * and without overrides, and 0x67 (32-bit addresses) in 16-bit code. Each access is followed by CHECK16.
 *
 * CS (CODE16) has base 0x10000, so an offset here is the link address - 0x10000; the stack segment
 * (IMAGE16) has the same base. DS holds REGFILE (base = the register file) unless a test says otherwise.
 */
	.include "harness-gdt.inc"

	.macro	CHECK16
	pushfl
	call	checkpoint16
	popfl
	.endm

	/* mov to SS for one access: [bp] forms and string writes default to SS. */
	.macro	SS_IS	sel
	movw	$\sel, %cx
	movw	%cx, %ss
	.endm

	.section .text16, "ax"
	.code16
	.globl	pm16
pm16:
	movw	$IMAGE16, %ax
	movw	%ax, %ss
	movl	$(stack16_end - 0x10000), %esp
	movw	$REGFILE, %ax
	movw	%ax, %ds
	movw	$IMAGE16, %ax
	movw	%ax, %es
	movw	$REGFILE_LOW, %ax
	movw	%ax, %fs
	movw	$REGFILE_HIGH, %ax
	movw	%ax, %gs
	/* Upper halves set, so 16-bit addressing that used them would leave the segment. */
	movl	$0x8091a2b3, %eax
	movl	$0x00000002, %ecx
	movl	$0xf1e2d3c4, %edx
	movl	$0x5a5a0040, %ebx
	movl	$0x7f6e0010, %ebp
	movl	$0xc3c30010, %esi
	movl	$0xa5a50020, %edi
	pushw	%ax
	movw	$0x7fff, %ax
	addw	$1, %ax				/* OF, SF, AF, PF */
	popw	%ax
	CHECK16

/* ---- write (88, 89): 8-bit incl. AH, 16-bit, 66 = 32-bit ---- */
	movb	%al, (%bx)
	CHECK16
	movb	%ah, 1(%bx)			/* 88 67 01: AH */
	CHECK16
	movb	%dh, 2(%bx,%si)
	CHECK16
	movw	%dx, 4(%bx,%di)
	CHECK16
	movl	%edx, 8(%si)			/* 66 89 54 08 */
	CHECK16
	movl	%eax, 0x0c(%di)
	CHECK16
	movw	%cx, 0x100			/* disp16 only: mod 00, rm 110 */
	CHECK16

/* ---- write immediate (C6, C7): 8, 16, 66 = 32 ---- */
	movb	$0x81, 0x30(%bx)
	CHECK16
	movw	$0x8001, 0x32(%bx)
	CHECK16
	movl	$0x80000001, 0x34(%bx)		/* 66 c7 47 34 imm32 */
	CHECK16
	movl	$0x7ffffff0, 0x28(%bx,%si)
	CHECK16

/* ---- read (8A, 8B) ---- */
	movb	0x30(%bx), %al
	CHECK16
	movb	0x31(%bx), %ch			/* 8a 6f 31: CH */
	CHECK16
	movw	0x32(%bx), %cx			/* bits 31:16 kept */
	CHECK16
	movl	0x34(%bx), %edx
	CHECK16
	movl	0x28(%bx,%si), %edi
	CHECK16
	movl	$0x00000002, %ecx
	movl	$0xa5a50020, %edi
	CHECK16

/* ---- read with zero extension (0F B6, 0F B7) ---- */
	movzbw	0x30(%bx), %ax
	CHECK16
	movzbl	0x30(%bx), %ecx			/* 66 0f b6 */
	CHECK16
	movzwl	0x32(%bx), %edx
	CHECK16
	.byte	0x0f, 0xb7, 0x7f, 0x32		/* movzww 0x32(%bx), %di */
	CHECK16
	movl	$0x00000002, %ecx
	CHECK16

/* ---- read with sign extension (0F BE, 0F BF) ---- */
	movsbw	0x30(%bx), %ax
	CHECK16
	movsbl	0x30(%bx), %ebp
	CHECK16
	movsbl	0x2b(%bx,%si), %edx		/* 0x7f: positive */
	CHECK16
	movswl	0x32(%bx), %edx
	CHECK16
	.byte	0x0f, 0xbf, 0x47, 0x36		/* movsww 0x36(%bx), %ax */
	CHECK16
	movl	$0x7f6e0010, %ebp
	CHECK16

/* ---- the eight 16-bit ModRM forms; [bp] ones default to SS ---- */
	movw	(%bx,%si), %ax			/* rm 000 */
	CHECK16
	movw	%ax, 0x40(%bx,%di)		/* rm 001, disp8 */
	CHECK16
	SS_IS	REGFILE_HIGH
	movw	0x10(%bp,%si), %dx		/* rm 010: SS base = regfile + 0x800 */
	SS_IS	IMAGE16
	CHECK16
	SS_IS	REGFILE_HIGH
	movl	%edx, -0x8(%bp,%di)		/* rm 011, negative disp8 */
	SS_IS	IMAGE16
	CHECK16
	movw	(%si), %dx			/* rm 100 */
	CHECK16
	movb	0x1ff(%di), %dl			/* rm 101, disp16 */
	CHECK16
	SS_IS	REGFILE_HIGH
	movw	(%bp), %ax			/* rm 110 with mod 01: 0(%bp) */
	SS_IS	IMAGE16
	CHECK16
	movl	(%bx), %edx			/* rm 111 */
	CHECK16
	movw	%ds:0x4(%bp), %ax		/* DS override of the SS default: regfile + 0x14 */
	CHECK16
	movw	$0xfff0, %bx
	movw	0x10(%bx,%si), %ax		/* 0xfff0 + 0x10 + 0x10 wraps to 0x0010 */
	CHECK16
	movw	$0x0040, %bx
	movb	%al, -0x8(%bx,%si)		/* negative disp8 */
	CHECK16

/* ---- segment overrides and bases ---- */
	movl	%fs:0x1008, %ecx		/* FS base + 0x1008 = regfile + 8 */
	CHECK16
	movw	%dx, %gs:0x10(%bx)		/* GS base + 0x50 = regfile + 0x850 */
	CHECK16
	movzbw	%gs:0x10(%bx), %dx
	CHECK16
	movb	$0x5a, %gs:(%di)
	CHECK16
	movw	$REGFILE, %cx
	movw	%cx, %es
	movl	%es:0x34(%bx,%si), %ebp		/* ES base, no longer RAM */
	CHECK16
	movl	$0x7f6e0010, %ebp
	movw	$0x2, %cx

/* ---- 0x67: 32-bit addresses in 16-bit code ---- */
	movzwl	%bx, %ebx
	movzwl	%si, %esi
	movl	$2, %ecx
	CHECK16
	addr32 movl 0x8(%ebx,%ecx,4), %eax	/* 67 66 8b 44 8b 08 */
	CHECK16
	addr32 movw %ax, 0x100(%ebx,%esi,1)
	CHECK16
	addr32 movsbl %gs:0x40(%ebx), %edx
	CHECK16
	movl	$0x5a5a0040, %ebx
	movl	$0xc3c30010, %esi

/* ---- CLFLUSH: skipped ---- */
	clflush	(%bx)
	CHECK16
	clflush	%gs:0x10(%bx,%si)
	CHECK16

/* ---- MOVS: MMIO -> RAM, RAM -> MMIO, MMIO -> MMIO, REP, DF, overrides, 67 ---- */
	movw	$IMAGE16, %cx
	movw	%cx, %es
	movw	$0x30, %si
	movw	$(ram_buf - 0x10000), %di
	movsb
	CHECK16
	movsw
	CHECK16
	movsl					/* 66 a5 */
	CHECK16
	movw	$IMAGE16, %cx
	movw	%cx, %ds
	movw	$REGFILE, %cx
	movw	%cx, %es
	movw	$(ram_pattern - 0x10000), %si
	movw	$0x500, %di
	movl	$0xabcd0005, %ecx		/* CX counts; bits 31:16 stay */
	rep movsw
	CHECK16
	movw	$REGFILE, %cx
	movw	%cx, %ds
	movw	$REGFILE_HIGH, %cx
	movw	%cx, %es
	movw	$0x500, %si
	movw	$0x100, %di
	movw	$7, %cx
	rep movsb				/* MMIO -> MMIO, both with a segment base */
	CHECK16
	std
	movw	$0x508, %si
	movw	$0x188, %di
	movw	$2, %cx
	rep movsl				/* DF = 1: downwards */
	CHECK16
	cld
	xorw	%cx, %cx
	rep movsb				/* count 0: nothing moves */
	CHECK16
	movw	$0x1500, %si			/* FS base + 0x1500 = regfile + 0x500 */
	movw	$0x1a0, %di
	movsw	%fs:(%si), %es:(%di)
	CHECK16
	movl	$0x510, %esi
	movl	$0x1c0, %edi
	movl	$3, %ecx
	addr32 rep movsb			/* 67: ESI, EDI, ECX */
	CHECK16

	movw	$FLAT32, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$stack_end, %esp
	ljmpl	$CODE32, $pm32

/*
 * checkpoint16: append EAX..EDI (ESP as before CHECK16), zero R8..R15, EFLAGS and CS to the trace,
 * written through a flat DS with 32-bit addresses. Stack on entry: return IP, EFLAGS (32 bits).
 */
	.globl	checkpoint16
checkpoint16:
	pushl	%eax
	pushw	%ds
	movw	$FLAT32, %ax
	movw	%ax, %ds
	addr32 movl trace_ptr, %eax
	addr32 movl %ecx, 8(%eax)
	addr32 movl %edx, 16(%eax)
	addr32 movl %ebx, 24(%eax)
	movzwl	%sp, %ecx
	addl	$12, %ecx
	addr32 movl %ecx, 32(%eax)
	addr32 movl %ebp, 40(%eax)
	addr32 movl %esi, 48(%eax)
	addr32 movl %edi, 56(%eax)
	addr32 movl %ss:8(%esp), %ecx
	addr32 movl %ecx, 128(%eax)
	xorl	%ecx, %ecx
	movw	%cs, %cx
	addr32 movl %ecx, 136(%eax)
	addr32 movl %ss:2(%esp), %ecx
	addr32 movl %ecx, (%eax)
	addr32 movl 8(%eax), %ecx
	addr32 addl $TRACE_ROW, trace_ptr
	popw	%ds
	popl	%eax
	ret

	.data
	.balign	16
stack16:
	.skip	512
	.globl	stack16_end
stack16_end:
