/*
 * The capture (kdump) kernel: small, relocatable and uniprocessor, like a kdump kernel booted with
 * nr_cpus=1. Linked at 0 and position independent (RIP-relative only), so it runs wherever the
 * crashkernel= region starts (CONFIG_RELOCATABLE); it touches no memory outside its own image.
 *
 * Entry (boot_info.inc's protocol, reached through crash_relocate_kernel): 64-bit mode, paging on
 * with an identity map, interrupts off, RSI = the boot info block inside the region. It loads its
 * own GDT, stack and an empty IDT, reports, and idles: the vmcore is read by user space
 * (/proc/vmcore, modelled in plugins/kdump/vmcore.ts) while this kernel runs.
 */
	.include "x86.inc"
	.include "boot_info.inc"

	.equ	CAPTURE_KERNEL_ID, 0x44		/* 'D': report words read "D" + event + CPUs */
	.equ	CAPTURE_SIGNATURE, 0x504d444b	/* "KDMP", little-endian */

	.text
	.code64
	.globl	capture_startup_64
capture_startup_64:
	cli
	movl	%esi, %esi
	/* The GDT pseudo-descriptor needs an absolute base: the address this image runs at. */
	leaq	capture_gdt(%rip), %rax
	movq	%rax, capture_gdt_desc + 2(%rip)
	lgdt	capture_gdt_desc(%rip)
	pushq	$__KERNEL_CS
	leaq	capture_cs_reloaded(%rip), %rax
	pushq	%rax
	lretq
capture_cs_reloaded:
	movl	$__KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	leaq	capture_stack_top(%rip), %rsp
	/* No handler of the old kernel may run from here on: an empty IDT. */
	lidt	capture_idt_desc(%rip)
	movl	$CAPTURE_SIGNATURE, BI_SIGNATURE(%rsi)
	movl	$((CAPTURE_KERNEL_ID << 24) | (EVENT_SMP_BOOTED << 16) | 1), BI_RESULT(%rsi)
	.globl	capture_idle
capture_idle:
	hlt
	jmp	capture_idle

	.data
	.balign	16
capture_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* __KERNEL32_CS */
	.quad	0x00af9b000000ffff	/* __KERNEL_CS */
	.quad	0x00cf93000000ffff	/* __KERNEL_DS */
capture_gdt_end:
	.balign	8
	.word	0, 0, 0
capture_gdt_desc:
	.word	capture_gdt_end - capture_gdt - 1
	.quad	0
	.balign	8
	.word	0, 0, 0
capture_idt_desc:
	.word	0
	.quad	0

	.bss
	.balign	4096
capture_stack:
	.skip	4096
	.globl	capture_stack_top
capture_stack_top:
