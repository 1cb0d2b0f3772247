/*
 * The path from a running 64-bit kernel to the AP jump table blob (ap_jump_table.S).
 *
 * Linked into the kernel's trampoline area (below 1 MiB, identity mapped), section .trampoline.
 * Modelled on the SEV-ES kexec series: the C function sev_jumptable_ap_park() in
 * arch/x86/kernel/sev.c (here sev_jumptable_ap_park, in code) and arch/x86/realmode/rm/sev_ap_park.S
 * (renamed rm/sev.S in v3; here sev_ap_park_asm), which the series derived from reboot.S.
 *
 * Symbols the kernel must provide:
 *   trampoline_pgd   page-aligned identity-mapping page table below 4 GiB covering this code
 *   tr_gdt           trampoline GDT: __KERNEL32_CS, __KERNEL_CS, __KERNEL_DS (x86.inc); slot 0
 *                    holds its own 32-bit pseudo-descriptor, as in trampoline_64.S
 * Symbols the installer uses (plugins/jump-table/blob.ts):
 *   sev_ap_park_gdt  GDT whose 0x08/0x10 entries it fills with 16-bit segments based at the page
 */
	.include "x86.inc"
	.include "sev_ap_jumptable.inc"

	.section .trampoline, "awx"

/*
 * void sev_jumptable_ap_park(void), never returns. Entered in 64-bit mode by stop_this_cpu() when
 * the blob is installed.
 */
	.code64
	.globl	sev_jumptable_ap_park
sev_jumptable_ap_park:
	cli
	/* The trampoline page table identity-maps the code below, which runs with paging on. */
	movl	$trampoline_pgd, %eax
	movq	%rax, %cr3
	/* Leaving long mode with CR4.PCIDE set raises #GP (AMD APM vol. 2, 5.5.1). */
	movq	%cr4, %rax
	btrq	$X86_CR4_PCIDE_BIT, %rax
	movq	%rax, %cr4
	/* No kernel state may leak into the parked, reset-like AP. */
	xorq	%r15, %r15
	xorq	%r14, %r14
	xorq	%r13, %r13
	xorq	%r12, %r12
	xorq	%r11, %r11
	xorq	%r10, %r10
	xorq	%r9, %r9
	xorq	%r8, %r8
	xorq	%rsi, %rsi
	xorq	%rdi, %rdi
	xorq	%rsp, %rsp
	xorq	%rbp, %rbp
	/* JMP m16:32 to compatibility mode: ljmpl *real_mode_header->sev_ap_park in the series. */
	ljmpl	*sev_ap_park_far_ptr(%rip)

/*
 * sev_ap_park_asm: 32-bit compatibility mode, CS = __KERNEL32_CS of the kernel GDT.
 * Only EAX, ECX, EDX and the segment registers are touched.
 */
	.code32
	.globl	sev_ap_park_asm
sev_ap_park_asm:
	movl	$__KERNEL_DS, %eax
	movl	%eax, %ds
	/* The trampoline GDT lies below 4 GiB, so it stays reachable once paging is off. */
	lgdtl	tr_gdt
	/* CR0.PG = 0 in compatibility mode leaves long mode (EFER.LMA clears). */
	movl	%cr0, %eax
	btrl	$X86_CR0_PG_BIT, %eax
	movl	%eax, %cr0
	ljmpl	$__KERNEL32_CS, $sev_ap_park_paging_off

	.globl	sev_ap_park_paging_off
sev_ap_park_paging_off:
	/* EFER = 0 and CR3 = 0: their reset values. */
	xorl	%eax, %eax
	xorl	%edx, %edx
	movl	$MSR_EFER, %ecx
	wrmsr
	xorl	%ecx, %ecx
	movl	%ecx, %cr3
	/* Real-mode IVT (machine_real_restart_idt): base 0, limit 0x3ff. */
	lidtl	sev_ap_park_real_mode_idt
	/* 16-bit segments based at the jump table page, filled in by the installer. */
	lgdtl	sev_ap_park_gdt
	movw	$SEV_APJT_DS16, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	/* 16-bit protected mode at page offset SEV_APJT_ENTRY: ap_park in ap_jump_table.S. */
	ljmpw	$SEV_APJT_CS16, $SEV_APJT_ENTRY

	.balign	8
sev_ap_park_far_ptr:
	.long	sev_ap_park_asm
	.word	__KERNEL32_CS

sev_ap_park_real_mode_idt:
	.word	0x3ff
	.long	0

/*
 * Slot 0: pseudo-descriptor (limit, absolute base). 0x08 SEV_APJT_CS16 and 0x10 SEV_APJT_DS16:
 * GDT_ENTRY(0x9b / 0x93, page GPA, 0xffff), written by sev_es_setup_ap_jump_table_data().
 */
	.balign	16
	.globl	sev_ap_park_gdt
sev_ap_park_gdt:
	.word	sev_ap_park_gdt_end - sev_ap_park_gdt - 1
	.long	sev_ap_park_gdt
	.word	0
	.quad	0
	.quad	0
	.globl	sev_ap_park_gdt_end
sev_ap_park_gdt_end:
