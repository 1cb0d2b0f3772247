/*
 * The differential harness in 32-bit protected mode (no paging). First flat segments: every MMIO
 * class at 8, 32 and (0x66) 16 bits with 32-bit ModRM/SIB forms, where mod 00 rm 101 is an absolute
 * disp32 (RIP-relative exists only in 64-bit mode). Then segment bases: overrides to the REGFILE*
 * data segments, DS and ES themselves with a base, a 4 GiB segment whose offsets wrap at 2^32, and
 * 0x67 (16-bit addresses) in 32-bit code. Each access is followed by CHECK32.
 *
 * SS stays flat throughout, and checkpoint32 writes the trace through SS, so DS..GS are free.
 */
	.include "harness-gdt.inc"

	.macro	CHECK32
	pushfl
	call	checkpoint32
	popfl
	.endm

	.text
	.code32
	.globl	pm32
pm32:
	movl	$0x8091a2b3, %eax
	movl	$0x00000002, %ecx
	movl	$0xf1e2d3c4, %edx
	movl	$regfile, %ebx
	movl	$0x000000a1, %esi
	movl	$0x12345678, %edi
	movl	$(regfile + 0x300), %ebp
	pushl	%eax
	movl	$0x7fffffff, %eax
	addl	$1, %eax			/* OF, SF, AF, PF */
	popl	%eax
	CHECK32

/* ---- flat: write (88, 89) ---- */
	movb	%al, (%ebx)
	CHECK32
	movb	%ah, 1(%ebx)			/* 88 63 01: AH */
	CHECK32
	movb	%bh, 2(%ebx)
	CHECK32
	movw	%dx, 8(%ebx)			/* 66 89 */
	CHECK32
	movl	%edx, 12(%ebx)
	CHECK32
	movl	%edi, 0x10(%ebx,%ecx,4)		/* SIB: base + index * 4 + disp8 */
	CHECK32

/* ---- flat: write immediate (C6, C7) ---- */
	movb	$0x81, 0x30(%ebx)
	CHECK32
	movw	$0x8001, 0x32(%ebx)		/* 66 c7 43 32 imm16 */
	CHECK32
	movl	$0x80000001, 0x34(%ebx)
	CHECK32
	movl	$0x7ffffff0, 0x40(%ebx)
	CHECK32

/* ---- flat: read (8A, 8B) ---- */
	movb	0x30(%ebx), %al
	CHECK32
	movb	0x31(%ebx), %dh			/* 8a 73 31: DH */
	CHECK32
	movw	0x32(%ebx), %cx			/* 66 8b: bits 31:16 kept */
	CHECK32
	movl	0x34(%ebx), %edx
	CHECK32
	movl	$0x00000002, %ecx
	CHECK32

/* ---- flat: read with zero extension (0F B6, 0F B7) ---- */
	movzbw	0x30(%ebx), %ax			/* 66 0f b6 */
	CHECK32
	movzbl	0x30(%ebx), %esi
	CHECK32
	movzwl	0x32(%ebx), %edx
	CHECK32
	.byte	0x66, 0x0f, 0xb7, 0x7b, 0x32	/* movzww 0x32(%ebx), %di */
	CHECK32
	movl	$0x000000a1, %esi
	CHECK32

/* ---- flat: read with sign extension (0F BE, 0F BF) ---- */
	movsbw	0x30(%ebx), %ax
	CHECK32
	movsbl	0x30(%ebx), %edi
	CHECK32
	movsbl	0x43(%ebx), %edx		/* 0x7f: positive */
	CHECK32
	movswl	0x32(%ebx), %edx
	CHECK32
	.byte	0x66, 0x0f, 0xbf, 0x43, 0x36	/* movsww 0x36(%ebx), %ax */
	CHECK32
	movl	$0x12345678, %edi
	CHECK32

/* ---- flat: 32-bit addressing forms ---- */
	movl	regfile + 0x18, %ecx		/* 8b 0d disp32: mod 00 rm 101 is absolute here */
	CHECK32
	movl	$2, %ecx
	movl	regfile(,%ecx,8), %edx		/* index * 8 + disp32, no base */
	CHECK32
	movl	%esi, 0x100(%ebx,%esi,1)	/* base + index + disp32 */
	CHECK32
	movl	-0x8(%ebp,%ecx,8), %edx		/* EBP base (SS), negative displacement */
	CHECK32
	movl	%eax, (%ebp)			/* EBP base needs a disp8 */
	CHECK32
	pushl	%ebx
	movl	%esp, %ebx
	movl	%ebp, %esp
	movl	%edx, 0x10(%esp)		/* ESP base needs a SIB byte */
	movl	%ebx, %esp
	popl	%ebx
	CHECK32

/* ---- flat: CLFLUSH skipped ---- */
	clflush	(%ebx)
	CHECK32
	clflush	0x40(%ebx,%ecx,8)
	CHECK32

/* ---- flat: MOVS ---- */
	leal	0x30(%ebx), %esi
	movl	$ram_buf, %edi
	movsb
	CHECK32
	movsw					/* 66 a5 */
	CHECK32
	movsl
	CHECK32
	movl	$ram_pattern, %esi
	leal	0x500(%ebx), %edi
	movl	$6, %ecx
	rep movsl
	CHECK32
	leal	0x500(%ebx), %esi
	leal	0x600(%ebx), %edi
	movl	$11, %ecx
	rep movsb				/* MMIO -> MMIO */
	CHECK32
	std
	leal	0x50c(%ebx), %esi
	leal	0x70c(%ebx), %edi
	movl	$3, %ecx
	rep movsw				/* DF = 1: downwards */
	CHECK32
	cld
	xorl	%ecx, %ecx
	rep movsl				/* count 0: nothing moves */
	CHECK32

/* ---- segment bases through overrides ---- */
	movw	$REGFILE_LOW, %ax
	movw	%ax, %fs
	movw	$REGFILE_HIGH, %ax
	movw	%ax, %gs
	movl	$0x8091a2b3, %eax
	movl	$0x10, %esi
	CHECK32
	movl	%fs:0x1008, %ecx		/* FS base + 0x1008 = regfile + 8 */
	CHECK32
	movl	%edx, %gs:0x10(%esi)		/* regfile + 0x820 */
	CHECK32
	movb	$0x5a, %gs:0x30			/* regfile + 0x830 */
	CHECK32
	movzbl	%gs:0x30, %edi
	CHECK32
	movswl	%fs:0x1032, %edx
	CHECK32
	movw	%fs:0x1030(,%esi,2), %ax	/* regfile + 0x50 */
	CHECK32
	pushl	%ebp
	movl	$0x20, %ebp
	movl	%gs:0x8(%ebp), %eax		/* override of the SS default: regfile + 0x828 */
	popl	%ebp
	CHECK32
	movl	$REGFILE_WRAP, %eax
	movl	%eax, %fs
	movl	%fs:0xfffff100, %edx		/* base regfile + 0x1000, offset wraps to regfile + 0x100 */
	CHECK32
	movw	%dx, %fs:0xfffff102
	CHECK32
	movw	$REGFILE_LOW, %ax
	movw	%ax, %fs

/* ---- DS and ES with a base, no override ---- */
	movw	$REGFILE, %ax
	movw	%ax, %ds
	movl	0x34, %ecx			/* DS base + 0x34 */
	CHECK32
	movl	%ecx, 0x20(%esi)
	CHECK32
	movl	0x10(%ebp), %edx		/* EBP base: SS (flat), not DS */
	CHECK32
	movb	(%esp), %al			/* ESP base: SS, plain RAM, no #VC */
	movb	0x40(%esi,%esi,1), %al		/* but DS for an ESI base */
	CHECK32

/* ---- 0x67: 16-bit addresses in 32-bit code ---- */
	movl	$0x1234fff0, %ebx
	movl	$0x56780010, %esi
	addr16 movw %fs:0x1010(%bx,%si), %ax	/* 0xfff0 + 0x10 + 0x1010 wraps to 0x1010: regfile + 0x10 */
	CHECK32
	addr16 movl %eax, 0x18(%si)		/* DS base + 0x28 */
	CHECK32
	movl	$regfile, %ebx
	movl	$0x10, %esi

/* ---- MOVS with segment bases ---- */
	movw	$REGFILE_HIGH, %ax
	movw	%ax, %es
	movl	$0x1100, %esi			/* FS base + 0x1100 = regfile + 0x100 */
	movl	$0x200, %edi			/* ES base + 0x200 = regfile + 0xa00 */
	movsl	%fs:(%esi), %es:(%edi)
	CHECK32
	movl	$0x500, %esi			/* DS base + 0x500 */
	movl	$0x240, %edi
	movl	$0xfedc0004, %ecx		/* CX counts; bits 31:16 stay */
	addr16 rep movsw			/* 67: SI, DI, CX */
	CHECK32
	movw	$FLAT32, %ax
	movw	%ax, %es
	movl	$0x108, %esi
	movl	$(ram_buf + 0x40), %edi
	movl	$2, %ecx
	rep movsl				/* DS base MMIO -> flat RAM */
	CHECK32

	movw	$FLAT32, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	CHECK32
	jmp	startup_32

/*
 * checkpoint32: append EAX..EDI (ESP as before CHECK32), zero R8..R15, EFLAGS and CS to the trace,
 * through SS (flat here). Stack on entry: return address, EFLAGS.
 */
	.globl	checkpoint32
checkpoint32:
	pushl	%eax
	movl	%ss:trace_ptr, %eax
	movl	%ecx, %ss:8(%eax)
	movl	%edx, %ss:16(%eax)
	movl	%ebx, %ss:24(%eax)
	leal	12(%esp), %ecx
	movl	%ecx, %ss:32(%eax)
	movl	%ebp, %ss:40(%eax)
	movl	%esi, %ss:48(%eax)
	movl	%edi, %ss:56(%eax)
	movl	8(%esp), %ecx
	movl	%ecx, %ss:128(%eax)
	xorl	%ecx, %ecx
	movw	%cs, %cx
	movl	%ecx, %ss:136(%eax)
	movl	(%esp), %ecx
	movl	%ecx, %ss:(%eax)
	movl	%ss:8(%eax), %ecx
	addl	$TRACE_ROW, %ss:trace_ptr
	popl	%eax
	ret
