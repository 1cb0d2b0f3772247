/*
 * The capture (kdump) kernel: small and relocatable. Linked at 0 and position independent
 * (RIP-relative only), so it runs wherever the crashkernel= region starts (CONFIG_RELOCATABLE).
 *
 * Entry (boot_info.inc's protocol, reached through crash_relocate_kernel): 64-bit mode, paging on
 * with an identity map, interrupts off, RSI = the boot info block inside the region, on the CPU that
 * crashed (not necessarily CPU 0). It loads its own GDT, stack and an empty IDT and marks itself
 * online. With BI_NR_CPUS = 1 (nr_cpus=1, the usual kdump command line) that is all; otherwise it
 * brings every other CPU back as kernel B does after kexec: its real-mode trampoline copied to the
 * low page kexec handed it (CBI_TRAMPOLINE, setup_real_mode), that trampoline's CS:IP written into
 * the AP jump table (sev_es_setup_ap_jump_table), INIT-SIPI-SIPI to each CPU. Under SEV-ES the CPUs
 * come back from the jump table blob where the crash parked them; on a plain VM the INIT resets them.
 * Then it reports and idles: the vmcore is read by user space (/proc/vmcore, modelled in
 * plugins/kdump/vmcore.ts) while this kernel runs.
 */
	.include "x86.inc"
	.include "boot_info.inc"

	.equ	CAPTURE_KERNEL_ID, 0x44		/* 'D': report words read "D" + event + CPUs */
	.equ	CAPTURE_SIGNATURE, 0x504d444b	/* "KDMP", little-endian */

	/* The capture kernel's part of the boot info block, after boot_info.inc's fields (kexec -p) */
	.equ	CBI_TRAMPOLINE, BI_SIZE		/* u64 in: the low page for the real-mode trampoline, 0: UP */
	.equ	CBI_PAGE_TABLE, BI_SIZE + 8	/* u64 in: the identity map in the region (below 4 GiB) */
	.equ	CBI_SIZE, BI_SIZE + 16

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
	movq	%rsi, capture_boot_info(%rip)
	/* This CPU's number: its x2APIC ID (CPUID leaf 0xB, a #VC under SEV-ES). */
	movl	$0xb, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%edx, %ebx
	movq	capture_boot_info(%rip), %rsi
	movq	BI_ONLINE_FLAGS(%rsi), %rdi
	movb	$1, (%rdi,%rbx)			/* set_cpu_online(this CPU, true) */
	movl	$1, %ecx
	cmpl	$1, BI_NR_CPUS(%rsi)
	jbe	capture_report
	cmpq	$0, CBI_TRAMPOLINE(%rsi)
	je	capture_report
	call	setup_real_mode
	call	sev_es_setup_ap_jump_table
	call	x2apic_setup
	call	smp_boot_aps
	call	wait_for_aps_online
	call	count_online
capture_report:
	movq	capture_boot_info(%rip), %rsi
	andl	$0xffff, %ecx
	orl	$((CAPTURE_KERNEL_ID << 24) | (EVENT_SMP_BOOTED << 16)), %ecx
	movl	%ecx, BI_RESULT(%rsi)
	movl	$CAPTURE_SIGNATURE, BI_SIGNATURE(%rsi)
	.globl	capture_idle
capture_idle:
	hlt
	jmp	capture_idle

/*
 * setup_real_mode() (arch/x86/realmode/init.c): copy the trampoline to its low page and apply its
 * relocations (real_mode_relocs): the GDT base, the far jump into 32-bit code, the page table and
 * the 64-bit entry, all absolute addresses that depend on where the page and this image are.
 */
setup_real_mode:
	movq	capture_boot_info(%rip), %r8
	movq	CBI_TRAMPOLINE(%r8), %rdx
	movq	%rdx, %rdi
	leaq	capture_trampoline_start(%rip), %rsi
	movl	$capture_trampoline_end - capture_trampoline_start, %ecx
	rep movsb
	addl	%edx, (ct_gdt_desc + 2 - capture_trampoline_start)(%rdx)
	addl	%edx, (ct_startup_32_ptr - capture_trampoline_start)(%rdx)
	movq	CBI_PAGE_TABLE(%r8), %rax
	movl	%eax, (ct_pgd - capture_trampoline_start)(%rdx)
	leaq	capture_secondary_startup_64(%rip), %rax
	movl	%eax, (ct_start64 - capture_trampoline_start)(%rdx)
	ret

/*
 * sev_es_setup_ap_jump_table(): the reset vector (IP 0, CS = the trampoline page >> 4) into bytes 0-3
 * of the AP jump table; only under SEV-ES with a jump table. The blob the old kernel installed stays.
 */
sev_es_setup_ap_jump_table:
	movq	capture_boot_info(%rip), %rsi
	testl	$BI_FLAG_SEV_ES, BI_FLAGS(%rsi)
	jz	1f
	movq	BI_JUMP_TABLE_GPA(%rsi), %rdi
	testq	%rdi, %rdi
	jz	1f
	movq	CBI_TRAMPOLINE(%rsi), %rax
	movw	$0, (%rdi)			/* startup_ip */
	shrl	$4, %eax
	movw	%ax, 2(%rdi)			/* startup_cs */
1:	ret

/* x2apic_enable() and the SVR write, as the test kernels do (X2APIC_SETUP in x86.inc). */
x2apic_setup:
	X2APIC_SETUP
	ret

/*
 * INIT, SIPI, SIPI to every CPU but this one (EBX) through the x2APIC ICR
 * (wakeup_secondary_cpu_via_init). The SIPI vector is the trampoline page: a plain VM starts there;
 * under SEV-ES the SIPI releases the AP reset hold and the blob jumps to the reset vector instead.
 */
smp_boot_aps:
	movq	capture_boot_info(%rip), %rsi
	movq	CBI_TRAMPOLINE(%rsi), %r9
	shrl	$12, %r9d
	orl	$APIC_DM_STARTUP, %r9d
	xorl	%r8d, %r8d
1:	cmpl	BI_NR_CPUS(%rsi), %r8d
	jae	3f
	cmpl	%ebx, %r8d
	je	2f
	movl	$MSR_X2APIC_ICR, %ecx
	movl	%r8d, %edx
	movl	$(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT), %eax
	wrmsr
	movl	%r9d, %eax
	wrmsr
	wrmsr
2:	incl	%r8d
	jmp	1b
3:	ret

/* Spin until online[0..nr_cpus-1] are all set, at most WAIT_LOOPS rounds (do_boot_cpu gives up). */
wait_for_aps_online:
	movq	capture_boot_info(%rip), %rsi
	movq	BI_ONLINE_FLAGS(%rsi), %rdi
	movl	$WAIT_LOOPS, %r8d
1:	movl	BI_NR_CPUS(%rsi), %ecx
2:	decl	%ecx
	js	3f
	cmpb	$0, (%rdi,%rcx)
	jne	2b
	pause
	decl	%r8d
	jnz	1b
3:	ret

/* ecx = CPUs online (cpumask_weight(cpu_online_mask)). */
count_online:
	movq	capture_boot_info(%rip), %rsi
	movq	BI_ONLINE_FLAGS(%rsi), %rdi
	movl	BI_NR_CPUS(%rsi), %edx
	xorl	%ecx, %ecx
1:	decl	%edx
	js	2f
	cmpb	$0, (%rdi,%rdx)
	je	1b
	incl	%ecx
	jmp	1b
2:	ret

/*
 * An AP in long mode, on the trampoline's GDT and the region's identity map. It needs no stack: it
 * marks itself online and idles with interrupts off (the capture kernel handles none).
 */
	.globl	capture_secondary_startup_64
capture_secondary_startup_64:
	movl	$__KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	lidt	capture_idt_desc(%rip)
	movq	capture_boot_info(%rip), %rsi
	movl	$0xb, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%edx, %ebx
	cmpl	BI_NR_CPUS(%rsi), %ebx
	jae	capture_ap_idle
	movl	$MSR_IA32_APICBASE, %ecx
	rdmsr
	orl	$X2APIC_ENABLE, %eax
	wrmsr
	movq	BI_ONLINE_FLAGS(%rsi), %rdi
	movb	$1, (%rdi,%rbx)			/* set_cpu_online(cpu, true) */
	.globl	capture_ap_idle
capture_ap_idle:
	cli
	hlt
	jmp	capture_ap_idle

/*
 * The real-mode trampoline (arch/x86/realmode/rm/trampoline_64.S), copied by setup_real_mode to a
 * page below 1 MiB and entered there at offset 0 in real mode (CS = page >> 4). Offsets are from
 * capture_trampoline_start; the operands marked "patched" are filled in by setup_real_mode.
 */
	.balign	16
	.code16
	.globl	capture_trampoline_start
capture_trampoline_start:
	cli
	movw	%cs, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	lidtl	ct_idt - capture_trampoline_start
	lgdtl	ct_gdt_desc - capture_trampoline_start
	movl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	/* ljmpl $__KERNEL32_CS, $ct_startup_32 (patched: + the page address) */
	.byte	0x66, 0xea
ct_startup_32_ptr:
	.long	ct_startup_32 - capture_trampoline_start
	.word	__KERNEL32_CS

	.code32
ct_startup_32:
	movl	$__KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	/* movl $page_table, %eax (patched) */
	.byte	0xb8
ct_pgd:
	.long	0
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	btsl	$_EFER_LME, %eax
	wrmsr
	movl	$CR0_STATE, %eax
	movl	%eax, %cr0
	/* ljmpl $__KERNEL_CS, $capture_secondary_startup_64 (patched) */
	.byte	0xea
ct_start64:
	.long	0
	.word	__KERNEL_CS

	.balign	8
ct_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* __KERNEL32_CS */
	.quad	0x00af9b000000ffff	/* __KERNEL_CS */
	.quad	0x00cf93000000ffff	/* __KERNEL_DS */
ct_gdt_end:
ct_gdt_desc:
	.word	ct_gdt_end - ct_gdt - 1
	.long	ct_gdt - capture_trampoline_start	/* patched: + the page address */
ct_idt:
	.word	0
	.long	0
	.globl	capture_trampoline_end
capture_trampoline_end:
	.code64

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
	.balign	8
	.globl	capture_boot_info
capture_boot_info:
	.quad	0

	.bss
	.balign	4096
capture_stack:
	.skip	4096
	.globl	capture_stack_top
capture_stack_top:
