/*
 * A small test kernel: enough of Linux's SMP boot and stop paths to hand APs from one kernel to the
 * next under kexec. Assembled once per identity: kernel_a.S and kernel_b.S set KERNEL_ID and include
 * this file; kernel_a.lds and kernel_b.lds place the images at different addresses so that the
 * reset vector written into the AP jump table differs between them.
 *
 * Boot protocol and boot info block: boot_info.inc. Image layout: kernel.lds. Paths:
 *   startup_64              BSP entry: bring the APs up, report EVENT_SMP_BOOTED, poll BI_COMMAND
 *   trampoline_start        AP entry on a plain VM: SIPI vector page (CS = trampoline_start >> 4)
 *   sev_es_trampoline_start AP entry under SEV-ES: reset vector from the AP jump table
 *   secondary_startup_64    AP in long mode: find the CPU number, mark online, idle (sti; hlt)
 *   reboot_interrupt        REBOOT_VECTOR: stop_this_cpu(): offline, then park in the jump table
 *                           blob (sev_ap_park.S) if installed, else the classic cli; hlt loop
 *   kexec_stop_other_cpus   BSP on CMD_KEXEC: REBOOT_VECTOR to all but self, wait, report, hand over
 */
	.include "x86.inc"
	.include "boot_info.inc"
	.include "ghcb.inc"
	.include "sev_ap_jumptable.inc"

	/* "KRN" + KERNEL_ID, little-endian: 'KRNA' reads as "KRNA" in a memory dump */
	.equ	KERNEL_SIGNATURE, 0x004e524b | (KERNEL_ID << 24)
	/* The id letter as an absolute symbol: the kexec model knows whose report it reads. */
	.globl	kernel_id
	.set	kernel_id, KERNEL_ID

/* ------------------------------------------------------------------------------------------------
 * Trampoline (below 1 MiB). Modelled on arch/x86/realmode/rm/trampoline_64.S.
 */
	.section .trampoline, "awx"
	.code16
	.globl	trampoline_start
trampoline_start:
	/*
	 * A SIPI starts the AP in real mode at CS = vector << 8, IP = 0: this label must be the first
	 * byte of a 4 KiB-aligned page (kernel.lds asserts it).
	 */
	cli
	jmp	trampoline_real_mode

	/*
	 * Under SEV-ES the AP enters at the reset vector of the AP jump table: CS = trampoline_start
	 * >> 4, IP = sev_es_trampoline_start - trampoline_start (sev_es_setup_ap_jump_table). SEV-ES
	 * allows a non-zero IP, so no alignment is needed here.
	 */
	.globl	sev_es_trampoline_start
sev_es_trampoline_start:
	cli
trampoline_real_mode:
	/* Code and data in the same place: DS = ES = SS = CS. */
	movw	%cs, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	/* Null IDT while switching (tr_idt); GDT by its DS-relative offset (.Lswitch_to_protected). */
	lidtl	tr_idt - trampoline_start
	lgdtl	tr_gdt - trampoline_start
	movl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$__KERNEL32_CS, $trampoline_startup_32

	.code32
	.globl	trampoline_startup_32
trampoline_startup_32:
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
	/* PG with EFER.LME set activates long mode; the 64-bit CS finishes the switch. */
	movl	$CR0_STATE, %eax
	movl	%eax, %cr0
	ljmpl	$__KERNEL_CS, $secondary_startup_64

/*
 * Trampoline GDT (tr_gdt in trampoline_64.S), also the kernel's runtime GDT. Slot 0 holds its own
 * 32-bit pseudo-descriptor; gdt64_desc below is the 64-bit form.
 */
	.balign	16
	.globl	tr_gdt
tr_gdt:
	.word	tr_gdt_end - tr_gdt - 1
	.long	tr_gdt
	.word	0
	.quad	0x00cf9b000000ffff	/* __KERNEL32_CS: 32-bit code, base 0, 4 GiB */
	.quad	0x00af9b000000ffff	/* __KERNEL_CS: 64-bit code */
	.quad	0x00cf93000000ffff	/* __KERNEL_DS: data, base 0, 4 GiB */
	.globl	tr_gdt_end
tr_gdt_end:

tr_idt:
	.word	0
	.long	0

/* ------------------------------------------------------------------------------------------------
 * Kernel text (64-bit).
 */
	.text
	.code64

/* BSP entry: see boot_info.inc. */
	.globl	startup_64
startup_64:
	cli
	movl	%esi, %esi			/* the block lies below 4 GiB */
	movq	%rsi, boot_info(%rip)
	/* Own stack first (the far return below pushes), then page table, GDT, segments and IDT. */
	leaq	bsp_stack_top(%rip), %rsp
	movl	$trampoline_pgd, %eax
	movq	%rax, %cr3
	lgdt	gdt64_desc(%rip)
	pushq	$__KERNEL_CS
	leaq	startup_64_cs_reloaded(%rip), %rax
	pushq	%rax
	lretq
startup_64_cs_reloaded:
	movl	$__KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	call	idt_setup
	lidt	idt_desc(%rip)
	call	x2apic_setup

	movq	boot_info(%rip), %rsi
	movl	$KERNEL_SIGNATURE, BI_SIGNATURE(%rsi)
	movl	$CMD_NONE, BI_COMMAND(%rsi)
	movq	$0, BI_KEXEC_ENTRY(%rsi)
	movl	$0, BI_RESULT(%rsi)
	movl	BI_NR_CPUS(%rsi), %eax
	cmpl	$NR_CPUS, %eax
	jbe	1f
	movl	$NR_CPUS, %eax
1:	movl	%eax, nr_cpus(%rip)
	movq	BI_ONLINE_FLAGS(%rsi), %rdi
	movq	%rdi, online_flags(%rip)
	movb	$1, (%rdi)			/* set_cpu_online(0, true) */

	call	sev_es_setup_ap_jump_table
	/*
	 * Under SEV-ES an AP can only start through the reset vector in the AP jump table: without a
	 * usable table (the loader passes 0) the kernel stays on one CPU instead of sending SIPIs that
	 * would start the APs at a reset vector nobody wrote.
	 */
	movq	boot_info(%rip), %rsi
	testl	$BI_FLAG_SEV_ES, BI_FLAGS(%rsi)
	jz	1f
	cmpq	$0, BI_JUMP_TABLE_GPA(%rsi)
	je	2f
1:	call	smp_boot_aps
	call	wait_for_aps_online
2:

	movl	$EVENT_SMP_BOOTED, %eax
	call	count_online
	call	report

/*
 * Stand-in for the rest of the kernel's life: wait for a command from user space (kexec -e, writes
 * to /sys/devices/system/cpu/cpuN/online).
 */
	.globl	bsp_command_loop
bsp_command_loop:
	movq	boot_info(%rip), %rsi
	movl	BI_COMMAND(%rsi), %eax
	cmpl	$CMD_KEXEC, %eax
	je	kexec_stop_other_cpus
	cmpl	$CMD_CPU_DOWN, %eax
	je	cpu_down
	cmpl	$CMD_CPU_UP, %eax
	je	cpu_up
	pause
	jmp	bsp_command_loop

/*
 * cpu_down(BI_ARG): the CPU runs play_dead() (CPU_DEAD_VECTOR), the BSP waits until it has left the
 * online mask. Then CMD_NONE and the report.
 */
cpu_down:
	movl	BI_ARG(%rsi), %ebx
	movl	$MSR_X2APIC_ICR, %ecx
	movl	%ebx, %edx
	movl	$CPU_DEAD_VECTOR, %eax
	wrmsr
	movl	$WAIT_LOOPS, %r8d
	movq	online_flags(%rip), %rdi
1:	cmpb	$0, (%rdi,%rbx)
	je	2f
	pause
	decl	%r8d
	jnz	1b
2:	movl	$EVENT_CPU_DOWN, %eax
	jmp	command_done

/* cpu_up(BI_ARG): the same INIT-SIPI-SIPI as at boot, then wait until the CPU is online. */
cpu_up:
	movl	BI_ARG(%rsi), %ebx
	call	wakeup_secondary_cpu
	movl	$WAIT_LOOPS, %r8d
	movq	online_flags(%rip), %rdi
1:	cmpb	$0, (%rdi,%rbx)
	jne	2f
	pause
	decl	%r8d
	jnz	1b
2:	movl	$EVENT_CPU_UP, %eax

command_done:
	movq	boot_info(%rip), %rsi
	movl	$CMD_NONE, BI_COMMAND(%rsi)
	call	count_online
	call	report
	jmp	bsp_command_loop

/*
 * sev_es_setup_ap_jump_table() (arch/x86/kernel/sev.c): point the AP jump table's reset vector at
 * this kernel's trampoline. Only under SEV-ES and only when a jump table exists (0: a UP guest).
 * Bytes 0-3 are all this writes, so a blob installed by an earlier kernel survives.
 */
sev_es_setup_ap_jump_table:
	movq	boot_info(%rip), %rsi
	testl	$BI_FLAG_SEV_ES, BI_FLAGS(%rsi)
	jz	1f
	movq	BI_JUMP_TABLE_GPA(%rsi), %rdi
	testq	%rdi, %rdi
	jz	1f
	movw	$(sev_es_trampoline_start - trampoline_start), (%rdi)	/* startup_ip */
	movl	$trampoline_start, %eax
	shrl	$4, %eax
	movw	%ax, 2(%rdi)						/* startup_cs */
1:	ret

/*
 * For each AP: INIT, SIPI, SIPI through the x2APIC ICR (wakeup_secondary_cpu_via_init). Under SEV-ES
 * each WRMSR to the ICR raises #VC and goes to the hypervisor through the GHCB; the hypervisor turns
 * the SIPI into a release from AP reset hold. The INIT de-assert and the delays of the real sequence
 * are left out: x2APIC has no INIT de-assert, and the delays only wait for hardware.
 */
smp_boot_aps:
	movl	$1, %ebx
1:	cmpl	nr_cpus(%rip), %ebx
	jae	2f
	call	wakeup_secondary_cpu
	incl	%ebx
	jmp	1b
2:	ret

/* wakeup_secondary_cpu_via_init(ebx = APIC ID): INIT, SIPI, SIPI. */
wakeup_secondary_cpu:
	movl	$MSR_X2APIC_ICR, %ecx
	movl	%ebx, %edx
	movl	$(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT), %eax
	wrmsr
	movl	$trampoline_start, %eax
	shrl	$12, %eax
	orl	$APIC_DM_STARTUP, %eax
	wrmsr
	wrmsr
	ret

/*
 * Spin until online[0..nr_cpus-1] are all set, at most WAIT_LOOPS times round: do_boot_cpu() gives
 * up on a CPU that does not come online ("do_boot_cpu failed ... to wakeup CPU#N") and the kernel
 * goes on with the others; the report then counts only the CPUs that made it.
 */
wait_for_aps_online:
	movl	$WAIT_LOOPS, %r8d
1:	movq	online_flags(%rip), %rdi
	movl	nr_cpus(%rip), %ecx
2:	decl	%ecx
	js	3f
	cmpb	$0, (%rdi,%rcx)
	jne	2b
	pause
	decl	%r8d
	jnz	1b
3:	ret

/* ecx = number of CPUs online (cpumask_weight(cpu_online_mask)); eax and the other registers kept. */
count_online:
	pushq	%rdi
	pushq	%rdx
	movq	online_flags(%rip), %rdi
	movl	nr_cpus(%rip), %edx
	xorl	%ecx, %ecx
1:	decl	%edx
	js	2f
	cmpb	$0, (%rdi,%rdx)
	je	1b
	incl	%ecx
	jmp	1b
2:	popq	%rdx
	popq	%rdi
	ret

/*
 * report(eax = event, ecx = CPUs online): BI_RESULT and a 32-bit OUT to REPORT_PORT. Under SEV-ES the
 * OUT is an IOIO #VC.
 */
report:
	shll	$16, %eax
	andl	$0xffff, %ecx
	orl	%ecx, %eax
	orl	$(KERNEL_ID << 24), %eax
	movq	boot_info(%rip), %rsi
	movl	%eax, BI_RESULT(%rsi)
	movw	$REPORT_PORT, %dx
	outl	%eax, %dx
	ret

/*
 * machine_shutdown() -> native_stop_other_cpus(): REBOOT_VECTOR to all but self, then wait until
 * every AP has left the online mask, at most WAIT_LOOPS times round (the kernel waits a second and
 * then gives up: "failed to stop secondary CPUs"); the report counts the CPUs still online. Then
 * machine_kexec(): copy relocate_kernel into the control page and jump there. From then on nothing
 * of this kernel is used (code, stack, page table), so the next image may be loaded over it (A to A).
 */
	.globl	kexec_stop_other_cpus
kexec_stop_other_cpus:
	movl	$MSR_X2APIC_ICR, %ecx
	xorl	%edx, %edx
	movl	$(APIC_DEST_ALLBUT | REBOOT_VECTOR), %eax
	wrmsr
	movl	$WAIT_LOOPS, %r8d
1:	movq	online_flags(%rip), %rdi
	movl	nr_cpus(%rip), %ecx
2:	decl	%ecx
	jle	3f				/* online[0] is this CPU */
	cmpb	$0, (%rdi,%rcx)
	je	2b
	pause
	decl	%r8d
	jnz	1b
3:	movl	$EVENT_CPUS_STOPPED, %eax
	call	count_online
	call	report
	movq	boot_info(%rip), %rdx
	movq	BI_KEXEC_CONTROL(%rdx), %rdi
	leaq	relocate_kernel(%rip), %rsi
	movl	$(relocate_kernel_end - relocate_kernel), %ecx
	cld
	rep movsb
	movq	%rdx, %rsi
	jmpq	*BI_KEXEC_CONTROL(%rsi)

/*
 * relocate_kernel (arch/x86/kernel/relocate_kernel_64.S), copied to the control page and run from
 * there with RSI = the boot info block: switch to the identity page table outside both images, wait
 * until the kexec model has copied the next image into place and written BI_KEXEC_ENTRY, enter it.
 * Position-independent and stack-free.
 */
	.globl	relocate_kernel
relocate_kernel:
	movq	BI_KEXEC_PGD(%rsi), %rax
	movq	%rax, %cr3
	.globl	relocate_kernel_wait
relocate_kernel_wait:
	movq	BI_KEXEC_ENTRY(%rsi), %rax
	testq	%rax, %rax
	jnz	1f
	pause
	jmp	relocate_kernel_wait
1:	jmp	*%rax
	.globl	relocate_kernel_end
relocate_kernel_end:

/*
 * AP in long mode (secondary_startup_64), on the trampoline GDT and page table.
 */
	.globl	secondary_startup_64
secondary_startup_64:
	movl	$__KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	lidt	idt_desc(%rip)
	/*
	 * CPU number = x2APIC ID (CPUID leaf 0xB, EDX; leaf 1 EBX[31:24] holds only 8 bits). Under
	 * SEV-ES CPUID raises #VC, answered through the GHCB. This machine numbers APIC IDs 0..n-1.
	 */
	movl	$0xb, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%edx, %ebx
	cmpl	nr_cpus(%rip), %ebx
	jae	ap_halt_forever
	/* Per-CPU stack: the top of slot ebx of ap_stacks. */
	leal	1(%rbx), %eax
	shlq	$AP_STACK_SHIFT, %rax
	leaq	ap_stacks(%rip), %rsp
	addq	%rax, %rsp
	call	x2apic_setup
	movq	online_flags(%rip), %rdi
	movb	$1, (%rdi,%rbx)			/* set_cpu_online(cpu, true) */
	/* cpu_idle: default_idle() -> safe_halt(), woken by interrupts such as REBOOT_VECTOR. */
	.globl	ap_idle
ap_idle:
	sti
	hlt
	jmp	ap_idle

/*
 * REBOOT_VECTOR handler: smp_reboot_interrupt() -> stop_this_cpu(), which never returns. The REBOOT
 * IPI and not the NMI: native_stop_other_cpus() sends REBOOT_VECTOR first and uses an NMI only when
 * CPUs do not stop, and NMIs are the crash (kdump) path, which the series leaves unchanged.
 */
	.globl	reboot_interrupt
reboot_interrupt:
	.globl	stop_this_cpu
stop_this_cpu:
	cli
	/* smp_processor_id(): the slot of ap_stacks this stack lies in. */
	movq	%rsp, %rax
	leaq	ap_stacks(%rip), %rdx
	subq	%rdx, %rax
	shrq	$AP_STACK_SHIFT, %rax
	movq	online_flags(%rip), %rdi
	movb	$0, (%rdi,%rax)			/* set_cpu_online(cpu, false) */
	/* __sev_es_stop_this_cpu(): park in the jump table only when the blob is installed. */
	cmpb	$0, sev_ap_jumptable_blob_installed(%rip)
	jne	sev_jumptable_ap_park
	/* Plain VM, or SEV-ES without the blob: halt until an INIT resets this CPU. */
	.globl	ap_halt_forever
ap_halt_forever:
	cli
	hlt
	jmp	ap_halt_forever

/*
 * CPU_DEAD_VECTOR handler: the dying CPU's play_dead(). Offline first, then, under SEV-ES, park in
 * the jump table blob when it is installed (the series' sev_es_play_dead); without it mainline's
 * sev_es_play_dead(): the GHCB-form AP HLT loop on this CPU's GHCB (SVM_VMGEXIT_AP_HLT_LOOP, held
 * until a SIPI sets sw_exit_info_2), then soft_restart_cpu(). A plain VM halts until INIT resets it.
 */
	.globl	cpu_dead_interrupt
cpu_dead_interrupt:
	.globl	play_dead
play_dead:
	cli
	movq	%rsp, %rax
	leaq	ap_stacks(%rip), %rdx
	subq	%rdx, %rax
	shrq	$AP_STACK_SHIFT, %rax
	movq	online_flags(%rip), %rdi
	movb	$0, (%rdi,%rax)			/* set_cpu_online(cpu, false) */
	cmpb	$0, sev_ap_jumptable_blob_installed(%rip)
	jne	sev_jumptable_ap_park
	movq	boot_info(%rip), %rsi
	testl	$BI_FLAG_SEV_ES, BI_FLAGS(%rsi)
	jz	ap_halt_forever
	/* This CPU's GHCB: the GHCB MSR holds it since its last #VC. */
	movl	$MSR_AMD64_SEV_ES_GHCB, %ecx
	rdmsr
	shlq	$32, %rdx
	orq	%rax, %rdx
	movq	%rdx, %rbx
	.globl	sev_es_ap_hlt_loop
sev_es_ap_hlt_loop:
	movl	$SVM_VMGEXIT_AP_HLT_LOOP, GHCB_SW_EXIT_CODE(%rbx)
	movl	$0, GHCB_SW_EXIT_CODE + 4(%rbx)
	movq	$0, GHCB_SW_EXIT_INFO_1(%rbx)
	movq	$0, GHCB_SW_EXIT_INFO_2(%rbx)
	movq	$0, GHCB_VALID_BITMAP(%rbx)
	movq	$(GHCB_EXIT_FIELDS_VALID << 48), %rax
	movq	%rax, GHCB_VALID_BITMAP + 8(%rbx)
	movw	$GHCB_VERSION_1, GHCB_PROTOCOL_VERSION(%rbx)
	movl	$0, GHCB_USAGE(%rbx)
	movl	%ebx, %eax
	movq	%rbx, %rdx
	shrq	$32, %rdx
	movl	$MSR_AMD64_SEV_ES_GHCB, %ecx
	wrmsr
	rep; vmmcall				/* VMGEXIT */
	cmpq	$0, GHCB_SW_EXIT_INFO_2(%rbx)
	je	sev_es_ap_hlt_loop
	/* soft_restart_cpu(): come back up through the secondary startup path. */
	jmp	secondary_startup_64

/* x2APIC mode and the APIC software-enabled (X2APIC_SETUP in x86.inc). */
x2apic_setup:
	X2APIC_SETUP
	ret

/* idt_setup: the REBOOT_VECTOR and CPU_DEAD_VECTOR gates. */
idt_setup:
	leaq	reboot_interrupt(%rip), %rax
	leaq	(idt_table + REBOOT_VECTOR * 16)(%rip), %rdi
	call	set_intr_gate
	leaq	cpu_dead_interrupt(%rip), %rax
	leaq	(idt_table + CPU_DEAD_VECTOR * 16)(%rip), %rdi
	call	set_intr_gate
	ret

/* set_intr_gate(rax = handler, rdi = IDT slot): a 64-bit interrupt gate (type 0xe, DPL 0, present). */
set_intr_gate:
	movw	%ax, 0(%rdi)
	movw	$__KERNEL_CS, 2(%rdi)
	movw	$0x8e00, 4(%rdi)
	shrq	$16, %rax
	movw	%ax, 6(%rdi)
	shrq	$16, %rax
	movl	%eax, 8(%rdi)
	movl	$0, 12(%rdi)
	ret

/* ------------------------------------------------------------------------------------------------
 * Data.
 */
	.data
	.balign	8
gdt64_desc:
	.word	tr_gdt_end - tr_gdt - 1
	.quad	tr_gdt
	.balign	8
idt_desc:
	.word	256 * 16 - 1
	.quad	idt_table

	.balign	8
	.globl	boot_info
boot_info:
	.quad	0
	.globl	online_flags
online_flags:
	.quad	0
	.globl	nr_cpus
nr_cpus:
	.long	0
	/* Set by the installer model (sev_es_setup_ap_jump_table's blob step), read by stop_this_cpu. */
	.globl	sev_ap_jumptable_blob_installed
sev_ap_jumptable_blob_installed:
	.byte	0

/*
 * trampoline_pgd: identity map of the low 4 GiB with 2 MiB pages, used by the BSP, by the APs on
 * their way up and by sev_jumptable_ap_park on the way down. Below 4 GiB, as CR3 is loaded from
 * 32-bit code.
 */
	.balign	4096
	.globl	trampoline_pgd
trampoline_pgd:
	.quad	trampoline_pud + 0x3		/* present, writable */
	.fill	511, 8, 0
trampoline_pud:
	.quad	trampoline_pmd + 0x0000 + 0x3
	.quad	trampoline_pmd + 0x1000 + 0x3
	.quad	trampoline_pmd + 0x2000 + 0x3
	.quad	trampoline_pmd + 0x3000 + 0x3
	.fill	508, 8, 0
trampoline_pmd:
	.set	pmd_index, 0
	.rept	2048
	.quad	(pmd_index << 21) | 0x83	/* 2 MiB page: PS, writable, present */
	.set	pmd_index, pmd_index + 1
	.endr

	.bss
	.balign	4096
idt_table:
	.skip	256 * 16
bsp_stack:
	.skip	4096
bsp_stack_top:
	.balign	1 << AP_STACK_SHIFT
	.globl	ap_stacks
ap_stacks:
	.skip	NR_CPUS << AP_STACK_SHIFT
	.globl	ap_stacks_end
ap_stacks_end:
