/*
 * PVH entry for running test kernel A under QEMU/KVM: QEMU's -kernel enters an ELF with a
 * XEN_ELFNOTE_PHYS32_ENTRY note in 32-bit protected mode, paging off. The stub does the loader's
 * part of the boot protocol (plugins/kexec/kernels/boot_info.inc): boot info at 0x7000 with
 * NR_CPUS_BOOT CPUs, the online flags at 0x7100 and the kexec control page at 0x7800, long mode on
 * the kernel's own page table, then
 * startup_64 with RSI = 0x7000. The trampoline segment is linked to load at 0x300000 because the
 * firmware reuses low memory before the stub runs; the stub copies it to its run address.
 */
	.include "x86.inc"

	.section .note.pvh, "a"
	.balign	4
	.long	4, 4, 18			/* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.long	pvh_start

	.section .pvh_stub, "awx"
	.code32
	.globl	pvh_start
pvh_start:
	cli
	movl	$0x300000, %esi
	movl	$trampoline_start, %edi
	movl	$0x1000, %ecx
	rep movsb
	movl	$0x7000, %edi
	xorl	%eax, %eax
	movl	$0x80, %ecx
	rep stosl
	movl	$NR_CPUS_BOOT, 0x7008
	movl	$0x7100, 0x7010
	movl	$0x7800, 0x7030			/* BI_KEXEC_CONTROL: relocate_kernel runs from here */
	movl	$trampoline_pgd, 0x7038		/* BI_KEXEC_PGD: A's identity map; reloading A rewrites it as it is */
	lgdtl	tr_gdt
	movl	$__KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$trampoline_pgd, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	btsl	$_EFER_LME, %eax
	wrmsr
	movl	$CR0_STATE, %eax
	movl	%eax, %cr0
	ljmpl	$__KERNEL_CS, $pvh_long_mode
	.code64
pvh_long_mode:
	movl	$0x7000, %esi
	movl	$startup_64, %eax
	jmp	*%rax
