/*
 * A kexec'ed kernel's decompressor, reduced to what the seed's MMIO patches are about: early boot
 * code that prints to the serial port and to the VGA text buffer, as arch/x86/boot/compressed/misc.c
 * __putstr() does. Under SEV-ES each serial byte is an IOIO #VC and each character stored into
 * 0xB8000 is an MMIO (NPF) #VC; before "x86/sev: Add MMIO handling support to boot/compressed/ code"
 * the decompressor's #VC handler knew only IOIO, CPUID and RDTSC, so the first VGA store ended the
 * guest (sev_es_terminate).
 *
 * Entries:
 *   startup_64  kexec's entry (ELF e_entry): 64-bit mode, paging on, this image identity-mapped
 *   startup_16  a direct start on the BSP from real mode at CS = 0x1000, IP = 0: sets up flat
 *               segments and the page tables below and enters startup_64 (the boot protocol's real
 *               mode -> protected mode -> long mode path, head_64.S startup_32)
 *
 * The page tables map the low 4 GiB with 2 MiB pages. They leave the SEV C-bit clear: the model's walk
 * strips it and keeps encryption per page, so a page's state, not the PTE, decides private or shared.
 */
	.equ	IMAGE_BASE, 0x10000
	.equ	BOOT_CS32, 0x08
	.equ	BOOT_DS, 0x10
	.equ	BOOT_CS64, 0x18
	.equ	X86_CR0_PE, 0x00000001
	.equ	X86_CR0_PG, 0x80000000
	.equ	X86_CR4_PAE, 0x00000020
	.equ	MSR_EFER, 0xc0000080
	.equ	_EFER_LME, 8

	/* misc.c: vidmem = 0xb8000, vidport = 0x3d4 for a colour text mode */
	.equ	VGA_TEXT_BASE, 0xb8000
	.equ	VIDPORT, 0x3d4
	/* early_serial_console.c: COM1, LSR bit 5 (THRE) "transmitter ready" */
	.equ	EARLY_SERIAL_BASE, 0x3f8
	.equ	UART_LSR, 5
	.equ	XMTRDY, 0x20
	.equ	SERIAL_TIMEOUT, 0xffff

	/* decompressor_status values */
	.equ	STATUS_STARTED, 1
	.equ	STATUS_BOOTED, 2

/* ------------------------------------------------------------------------------------------------ */
	.section .text16, "ax"
	.code16
	.globl	startup_16
startup_16:
	cli
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	boot_gdt_desc - IMAGE_BASE
	movl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$BOOT_CS32, $startup_32

	.code32
	.globl	startup_32
startup_32:
	movl	$BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	btsl	$_EFER_LME, %eax
	wrmsr
	movl	$(X86_CR0_PG | X86_CR0_PE), %eax
	movl	%eax, %cr0
	ljmpl	$BOOT_CS64, $startup_64

/* ------------------------------------------------------------------------------------------------ */
	.text
	.code64
	.globl	startup_64
startup_64:
	cli
	leaq	boot_stack_end(%rip), %rsp
	movl	$STATUS_STARTED, decompressor_status(%rip)
	leaq	msg_decompressing(%rip), %rdi
	call	__putstr
	leaq	msg_parsing(%rip), %rdi
	call	__putstr
	leaq	msg_booting(%rip), %rdi
	call	__putstr
	movl	$STATUS_BOOTED, decompressor_status(%rip)
	/* Stand-in for the jump to the decompressed kernel. */
	.globl	boot_done
boot_done:
	hlt
	jmp	boot_done

/*
 * __putstr(const char *s): s in %rdi. The serial copy first (LF as CR LF), then the screen at
 * (orig_x, orig_y) with scrolling, then the cursor through the CRT controller's index/data ports.
 */
	.globl	__putstr
__putstr:
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	movq	%rdi, %rbx
	movq	%rdi, %rsi
1:	movb	(%rsi), %al
	testb	%al, %al
	jz	3f
	cmpb	$'\n', %al
	jne	2f
	movb	$'\r', %al
	call	serial_putchar
	movb	$'\n', %al
2:	call	serial_putchar
	incq	%rsi
	jmp	1b

3:	movzbl	screen_info_orig_x(%rip), %r12d		/* x */
	movzbl	screen_info_orig_y(%rip), %r13d		/* y */
4:	movb	(%rbx), %al
	incq	%rbx
	testb	%al, %al
	jz	7f
	cmpb	$'\n', %al
	je	5f
	/* vidmem[(x + cols * y) * 2] = c */
	movzbl	screen_info_cols(%rip), %ecx
	imull	%r13d, %ecx
	addl	%r12d, %ecx
	movl	$VGA_TEXT_BASE, %edx
	movb	%al, (%rdx,%rcx,2)
	incl	%r12d
	movzbl	screen_info_cols(%rip), %ecx
	cmpl	%ecx, %r12d
	jb	4b
5:	xorl	%r12d, %r12d
	incl	%r13d
	movzbl	screen_info_lines(%rip), %ecx
	cmpl	%ecx, %r13d
	jb	4b
	call	scroll
	decl	%r13d
	jmp	4b

7:	movb	%r12b, screen_info_orig_x(%rip)
	movb	%r13b, screen_info_orig_y(%rip)
	/* pos = (x + cols * y) * 2; outb(14, vidport); outb(pos >> 9, vidport + 1); outb(15, ...) */
	movzbl	screen_info_cols(%rip), %ecx
	imull	%r13d, %ecx
	addl	%r12d, %ecx
	shll	$1, %ecx
	movw	$VIDPORT, %dx
	movb	$14, %al
	outb	%al, %dx
	incw	%dx
	movl	%ecx, %eax
	shrl	$9, %eax
	outb	%al, %dx
	decw	%dx
	movb	$15, %al
	outb	%al, %dx
	incw	%dx
	movl	%ecx, %eax
	shrl	$1, %eax
	outb	%al, %dx
	popq	%r13
	popq	%r12
	popq	%rbx
	ret

/*
 * scroll(): memmove(vidmem, vidmem + cols * 2, (lines - 1) * cols * 2), then blank the last line.
 * The move is a REP MOVSQ from MMIO to MMIO (the decompressor's memcpy in
 * arch/x86/boot/compressed/string.c); the blanking a REP STOSW would be, done as word stores here,
 * since the MMIO #VC emulation covers MOV and MOVS only.
 */
scroll:
	movzbl	screen_info_cols(%rip), %ecx
	movzbl	screen_info_lines(%rip), %eax
	decl	%eax
	imull	%eax, %ecx			/* (lines - 1) * cols cells */
	movl	$VGA_TEXT_BASE, %edi
	movzbl	screen_info_cols(%rip), %esi
	leal	(%rdi,%rsi,2), %esi
	shrl	$2, %ecx			/* 4 cells per quadword */
	cld
	rep	movsq
	movzbl	screen_info_cols(%rip), %ecx
1:	movw	$0x0720, (%rdi)			/* blank, light grey on black */
	addq	$2, %rdi
	decl	%ecx
	jnz	1b
	ret

/* serial_putchar(%al): wait for THRE (bounded, as early_serial_console.c), then send. */
serial_putchar:
	movb	%al, %r8b
	movl	$SERIAL_TIMEOUT, %r9d
1:	movw	$(EARLY_SERIAL_BASE + UART_LSR), %dx
	inb	%dx, %al
	testb	$XMTRDY, %al
	jnz	2f
	pause
	decl	%r9d
	jnz	1b
2:	movw	$EARLY_SERIAL_BASE, %dx
	movb	%r8b, %al
	outb	%al, %dx
	ret

/* ------------------------------------------------------------------------------------------------ */
	.section .rodata, "a"
msg_decompressing:
	.asciz	"\nDecompressing Linux... "
msg_parsing:
	.asciz	"Parsing ELF... "
msg_booting:
	.asciz	"done.\nBooting the kernel.\n"

	.balign	16
boot_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* BOOT_CS32: 32-bit code, base 0, 4 GiB */
	.quad	0x00cf93000000ffff	/* BOOT_DS: data, base 0, 4 GiB */
	.quad	0x00af9b000000ffff	/* BOOT_CS64: 64-bit code */
boot_gdt_end:
boot_gdt_desc:
	.word	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt

	.data
/* The part of boot_params.screen_info __putstr uses: cursor and mode size (80 x 25 text). */
	.globl	screen_info_orig_x, screen_info_orig_y, screen_info_cols, screen_info_lines
screen_info_orig_x:	.byte	0
screen_info_orig_y:	.byte	0
screen_info_cols:	.byte	80
screen_info_lines:	.byte	25
	.balign	4
	.globl	decompressor_status
decompressor_status:	.long	0

/* Identity map of the low 4 GiB with 2 MiB pages (present, writable, PS). */
	.section .pgtable, "aw"
	.balign	4096
boot_pml4:
	.quad	boot_pdpt + 0x3
	.fill	511, 8, 0
boot_pdpt:
	.quad	boot_pd + 0x0003
	.quad	boot_pd + 0x1003
	.quad	boot_pd + 0x2003
	.quad	boot_pd + 0x3003
	.fill	508, 8, 0
boot_pd:
	.set	pde, 0
	.rept	2048
	.quad	(pde << 21) | 0x83
	.set	pde, pde + 1
	.endr

	.bss
	.balign	16
boot_stack:
	.skip	4096
	.globl	boot_stack_end
boot_stack_end:
