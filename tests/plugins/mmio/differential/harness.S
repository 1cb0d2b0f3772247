/*
 * The MMIO differential test's guest: from real mode into 16-bit protected mode (harness-16.S), 32-bit
 * protected mode (harness-32.S) and 64-bit mode (here), in each every MMIO instruction class at every
 * operand size, prefix and addressing form the #VC handler decodes in that mode, each followed by a
 * checkpoint (all sixteen GPRs, RFLAGS and CS appended to `trace`), then the C driver (driver.c), HLT.
 * The same bytes run in a plain VM (the interpreter performs MMIO itself) and under SEV-ES (each
 * access is a #VC, emulated by the guest kernel model through the GHCB); the test compares the two.
 *
 * regfile (harness.lds) is a register-file device: reads return what was last written, and every
 * access is recorded.
 */
	.include "harness-gdt.inc"

	.equ	MSR_EFER, 0xc0000080
	.equ	MSR_FS_BASE, 0xc0000100
	.equ	MSR_GS_BASE, 0xc0000101

	.macro	CHECK
	pushfq
	call	checkpoint
	popfq
	.endm

	.section .text16, "ax"
	.code16
	.globl	startup_16
startup_16:
	cli
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	gdt_desc - 0x10000
	movl	$1, %eax
	movl	%eax, %cr0
	ljmp	$CODE16, $(pm16 - 0x10000)

	/* From harness-32.S, done with 16- and 32-bit code. */
	.code32
	.globl	startup_32
startup_32:
	movl	$FLAT32, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	$0x20, %eax			/* CR4.PAE */
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	btsl	$8, %eax			/* EFER.LME */
	wrmsr
	movl	$0x80000001, %eax		/* CR0.PG | CR0.PE */
	movl	%eax, %cr0
	ljmpl	$CODE64, $startup_64

	.text
	.code64
	.globl	startup_64
startup_64:
	leaq	stack_end(%rip), %rsp
	/* FS base = regfile - 0x1000, GS base = regfile + 0x800 (WRMSR of FS/GS base never exits). */
	movl	$MSR_FS_BASE, %ecx
	movl	$(regfile - 0x1000), %eax
	xorl	%edx, %edx
	wrmsr
	movl	$MSR_GS_BASE, %ecx
	movl	$(regfile + 0x800), %eax
	wrmsr
	/* Distinct 64-bit patterns with sign bits set, so a wrong extension shows. */
	movabsq	$0x8091a2b3c4d5e6f7, %rax
	movabsq	$0x0000000000000002, %rcx
	movabsq	$0xf1e2d3c4b5a69788, %rdx
	movl	$regfile, %ebx
	movabsq	$0x00000000000000a1, %rsi
	movabsq	$0x123456789abcdef0, %rdi
	movabsq	$0xfedcba9876543210, %rbp
	movabsq	$0x8888777766665555, %r8
	movabsq	$0x0102030405060708, %r9
	movabsq	$0xa0b0c0d0e0f0ff01, %r10
	movabsq	$0x7f6e5d4c3b2a1908, %r11
	leaq	0x200(%rbx), %r12
	leaq	0x300(%rbx), %r13
	movabsq	$0x5a5a5a5a5a5a5a5a, %r14
	movabsq	$0xc3c3c3c3c3c3c3c3, %r15
	/* Flags in a non-trivial state: OF, SF, AF, PF set by the overflow. */
	pushq	%rax
	movl	$0x7fffffff, %eax
	addl	$1, %eax
	popq	%rax
	CHECK

/* ---- write (88, 89): byte registers with and without REX, 16/32/64-bit, 66 + REX.W ---- */
	movb	%al, (%rbx)
	CHECK
	movb	%ah, 1(%rbx)			/* 88 63 01: AH without REX */
	CHECK
	movb	%ch, 2(%rbx)
	CHECK
	movb	%dh, 3(%rbx)
	CHECK
	movb	%sil, 4(%rbx)			/* 40 88 73 04: SIL with REX */
	CHECK
	movb	%dil, 5(%rbx)
	CHECK
	movb	%bpl, 6(%rbx)
	CHECK
	movb	%r9b, 7(%rbx)
	CHECK
	movw	%dx, 8(%rbx)
	CHECK
	movw	%r10w, 10(%rbx)
	CHECK
	movl	%edx, 12(%rbx)
	CHECK
	movl	%r11d, 0x10(%rbx)
	CHECK
	movq	%rdi, 0x18(%rbx)
	CHECK
	movq	%r15, 0x20(%rbx)
	CHECK
	.byte	0x66, 0x48, 0x89, 0x6b, 0x28	/* data16 mov %rbp, 0x28(%rbx): REX.W wins over 66 */
	CHECK

/* ---- write immediate (C6, C7): 8/16/32/64-bit, sign-extended imm32 ---- */
	movb	$0x81, 0x30(%rbx)
	CHECK
	movw	$0x8001, 0x32(%rbx)
	CHECK
	movl	$0x80000001, 0x34(%rbx)
	CHECK
	movq	$-2, 0x38(%rbx)			/* 48 c7: imm32 0xfffffffe sign-extended */
	CHECK
	movq	$0x7ffffff0, 0x40(%rbx)
	CHECK

/* ---- read (8A, 8B) into every kind of destination ---- */
	movb	0x30(%rbx), %al
	CHECK
	movb	0x31(%rbx), %ah			/* 8a 63 31: AH without REX */
	CHECK
	movb	0x32(%rbx), %ch
	CHECK
	movb	0x33(%rbx), %dh
	CHECK
	movb	0x34(%rbx), %sil		/* REX: SIL */
	CHECK
	movb	0x37(%rbx), %dil
	CHECK
	movb	0x30(%rbx), %r8b
	CHECK
	movw	0x32(%rbx), %cx			/* bits 63:16 kept */
	CHECK
	movw	0x32(%rbx), %r13w
	CHECK
	movl	0x34(%rbx), %edx		/* bits 63:32 zeroed */
	CHECK
	movl	0x34(%rbx), %r14d
	CHECK
	movq	0x38(%rbx), %rbp
	CHECK
	movq	0x18(%rbx), %r15
	CHECK
	leaq	0x200(%rbx), %r13
	movq	$2, %rcx
	movq	$0xa1, %rsi
	CHECK

/* ---- read with zero extension (0F B6, 0F B7) to 16/32/64 ---- */
	movzbw	0x30(%rbx), %ax
	CHECK
	movzbl	0x30(%rbx), %ecx
	CHECK
	movzbq	0x30(%rbx), %r8
	CHECK
	movzbl	0x31(%rbx), %esi
	CHECK
	movzwl	0x32(%rbx), %edx
	CHECK
	movzwq	0x32(%rbx), %r9
	CHECK
	.byte	0x66, 0x0f, 0xb7, 0x7b, 0x32	/* movzww 0x32(%rbx), %di */
	CHECK
	movq	$2, %rcx
	movq	$0xa1, %rsi
	CHECK

/* ---- read with sign extension (0F BE, 0F BF) to 16/32/64, negative and positive ---- */
	movsbw	0x30(%rbx), %ax
	CHECK
	movsbl	0x30(%rbx), %ebp
	CHECK
	movsbq	0x30(%rbx), %r10
	CHECK
	movsbl	0x38(%rbx), %edi		/* 0xfe */
	CHECK
	movsbl	0x40(%rbx), %r11d		/* 0xf0 */
	CHECK
	movsbq	0x43(%rbx), %r11		/* 0x7f: positive */
	CHECK
	movswl	0x32(%rbx), %edx
	CHECK
	movswq	0x32(%rbx), %r12
	CHECK
	.byte	0x66, 0x0f, 0xbf, 0x43, 0x36	/* movsww 0x36(%rbx), %ax */
	CHECK
	movswq	0x42(%rbx), %r14		/* 0x7fff: positive */
	CHECK
	leaq	0x200(%rbx), %r12

/* ---- addressing forms ---- */
	movl	0x8(%rbx,%rcx,4), %eax		/* base + index * 4 + disp8 */
	CHECK
	movl	%r14d, 0x100(%rbx,%rsi,1)	/* base + index + disp32 */
	CHECK
	movq	regfile(,%rcx,8), %r10		/* index * 8 + disp32, no base */
	CHECK
	movq	regfile + 0x20, %r11		/* disp32 only (SIB, no base, no index) */
	CHECK
	movq	regfile + 0x18(%rip), %rax	/* RIP-relative read */
	CHECK
	movl	$0x55aa55aa, regfile + 0x44(%rip)	/* RIP-relative with an immediate after the disp */
	CHECK
	movb	regfile + 0x44(%rip), %dl
	CHECK
	movl	%eax, (%r12)			/* r12 base needs a SIB byte */
	CHECK
	movl	0(%r13), %edx			/* r13 base needs a displacement */
	CHECK
	movq	%rbp, -0x8(%r13,%rcx,8)		/* negative displacement */
	CHECK
	movl	(%ebx), %r8d			/* 67: 32-bit address */
	CHECK
	movw	%r8w, 0x10(%ebx,%ecx,2)		/* 67 with SIB */
	CHECK
	movl	%fs:0x1008, %r9d		/* FS override: FS base + 0x1008 = regfile + 8 */
	CHECK
	movq	%gs:0x10, %r10			/* GS override: GS base + 0x10 = regfile + 0x810 */
	CHECK
	movq	%r15, %gs:-0x7f0		/* regfile + 0x10 */
	CHECK
	movl	%ds:0x34(%rbx), %eax		/* DS override: no base in 64-bit mode */
	CHECK
	pushq	%rbp
	movq	%rbx, %rbp
	movl	%esi, 0x48(%rbp)		/* RBP base: SS by default */
	movq	0x48(%rbp), %rdx
	popq	%rbp
	CHECK
	movw	%dx, 0xb8000 + 160		/* the VGA text buffer, row 1 */
	CHECK
	movq	0xb8000 + 160, %rax
	CHECK

/* ---- CLFLUSH on MMIO: skipped ---- */
	clflush	(%rbx)
	CHECK
	clflush	0x40(%rbx,%rcx,8)
	CHECK

/* ---- MOVS: MMIO -> RAM, RAM -> MMIO, MMIO -> MMIO, REP, DF, overrides, address size ---- */
	leaq	0x30(%rbx), %rsi
	leaq	ram_buf(%rip), %rdi
	movsb
	CHECK
	movsw
	CHECK
	movsl
	CHECK
	movsq
	CHECK
	.byte	0x66, 0x48, 0xa5		/* data16 movsq: REX.W wins */
	CHECK
	leaq	ram_pattern(%rip), %rsi
	leaq	0x500(%rbx), %rdi
	movq	$5, %rcx
	rep movsq
	CHECK
	leaq	0x500(%rbx), %rsi
	leaq	0x600(%rbx), %rdi
	movq	$13, %rcx
	rep movsb				/* MMIO -> MMIO */
	CHECK
	leaq	0x600(%rbx), %rsi
	leaq	ram_buf + 0x40(%rip), %rdi
	movq	$3, %rcx
	rep movsw
	CHECK
	std
	leaq	0x508(%rbx), %rsi
	leaq	0x708(%rbx), %rdi
	movq	$3, %rcx
	rep movsl				/* DF = 1: downwards */
	CHECK
	cld
	CHECK
	xorl	%ecx, %ecx
	rep movsb				/* count 0: nothing moves */
	CHECK
	movl	$0x1500, %esi			/* FS base + 0x1500 = regfile + 0x500 */
	leaq	ram_buf + 0x80(%rip), %rdi
	movsl	%fs:(%rsi), %es:(%rdi)
	CHECK
	movl	$(regfile + 0x510), %esi
	movl	$(regfile + 0x720), %edi
	movl	$4, %ecx
	addr32 rep movsb			/* 67: ESI, EDI, ECX */
	CHECK

/* ---- the C driver ---- */
	leaq	0x800(%rbx), %rdi
	call	driver_main
	CHECK
	.globl	harness_done
harness_done:
	hlt
	jmp	harness_done

/*
 * checkpoint: append RAX..R15 (RSP as before CHECK), the RFLAGS CHECK pushed and CS to the trace.
 * Stack on entry: return address, RFLAGS.
 */
checkpoint:
	pushq	%rax
	movq	trace_ptr(%rip), %rax
	movq	%rcx, 8(%rax)
	movq	%rdx, 16(%rax)
	movq	%rbx, 24(%rax)
	leaq	24(%rsp), %rcx
	movq	%rcx, 32(%rax)
	movq	%rbp, 40(%rax)
	movq	%rsi, 48(%rax)
	movq	%rdi, 56(%rax)
	movq	%r8, 64(%rax)
	movq	%r9, 72(%rax)
	movq	%r10, 80(%rax)
	movq	%r11, 88(%rax)
	movq	%r12, 96(%rax)
	movq	%r13, 104(%rax)
	movq	%r14, 112(%rax)
	movq	%r15, 120(%rax)
	movq	16(%rsp), %rcx
	movq	%rcx, 128(%rax)
	movl	%cs, %ecx
	movq	%rcx, 136(%rax)
	movq	(%rsp), %rcx
	movq	%rcx, (%rax)
	movq	8(%rax), %rcx
	addq	$TRACE_ROW, trace_ptr(%rip)
	popq	%rax
	ret

	.section .rodata, "a"
	.balign	16
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff
	.quad	0x00cf93000000ffff
	.quad	0x00af9b000000ffff
	.quad	0x00009b010000ffff	/* CODE16 */
	.quad	0x000093010000ffff	/* IMAGE16 */
	.quad	0x080093000000ffff	/* REGFILE */
	.quad	0x070093fff000ffff	/* REGFILE_LOW */
	.quad	0x080093000800ffff	/* REGFILE_HIGH */
	.quad	0x08cf93001000ffff	/* REGFILE_WRAP */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
	.balign	8
	.globl	ram_pattern
ram_pattern:
	.quad	0x8070605040302010, 0xf0e0d0c0b0a09080, 0x0123456789abcdef, 0xfedcba9876543210
	.quad	0x7fffffffffffffff

	.data
	.balign	8
	.globl	trace_ptr
trace_ptr:
	.quad	trace
	.globl	ram_buf
ram_buf:
	.fill	256, 1, 0xcc

	.section .pgtable, "aw"
	.balign	4096
pml4:	.quad	pdpt + 3
	.fill	511, 8, 0
pdpt:	.quad	pd + 0x0003
	.quad	pd + 0x1003
	.quad	pd + 0x2003
	.quad	pd + 0x3003
	.fill	508, 8, 0
pd:
	.set	pde, 0
	.rept	2048
	.quad	(pde << 21) | 0x83
	.set	pde, pde + 1
	.endr

	.bss
	.balign	16
	.globl	trace, trace_end
trace:
	.skip	TRACE_ROW * 320
trace_end:
stack:
	.skip	8192
	.globl	stack_end
stack_end:
