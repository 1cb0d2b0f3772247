/*
 * The old kernel's crash-time code: the NMI shoot-down handler every other CPU runs, the oops entry
 * of the few exceptions the test kernels leave without a handler, the crash notes writer both share,
 * and the crashing CPU's jump into the capture kernel.
 *
 * Modelled on arch/x86/kernel/nmi.c exc_nmi(), arch/x86/kernel/reboot.c crash_nmi_callback(),
 * arch/x86/kernel/crash.c kdump_nmi_callback(), kernel/crash_core.c crash_save_cpu() and
 * arch/x86/kernel/relocate_kernel_64.S, plus the parts of kernel/kexec_core.c __crash_kexec() and
 * arch/x86/kernel/reboot.c nmi_shootdown_cpus() that a fault runs with no help from the kernel model.
 * The kernel model (plugins/kdump/load.ts) copies this blob into kernel-owned memory, fills the data
 * slots below and points the oops vectors at it; the shoot-down points IDT vector 2 at the NMI
 * callback. Linked at 0 and position independent: every data access is RIP-relative.
 *
 * Crash notes: one CRASH_NOTE_BYTES slot per CPU (the per-CPU crash_notes buffer), holding an ELF
 * note "CORE"/NT_PRSTATUS with a Linux x86-64 struct elf_prstatus, then the empty final note.
 */
	.include "x86.inc"

/* struct pt_regs from rsi down to r15, in PUSH_AND_CLEAR_REGS order (rdi and orig_rax above it). */
	.macro	PUSH_PT_REGS_FROM_RSI
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%rax
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	.endm

	.equ	CRASH_NOTE_SHIFT, 9		/* 512-byte slot: 356-byte note + 12-byte final note */
	.equ	CRASH_NOTE_BYTES, 1 << CRASH_NOTE_SHIFT

	/* include/uapi/linux/elf.h and the x86-64 struct elf_prstatus (336 bytes) */
	.equ	NT_PRSTATUS, 1
	.equ	ELF_NOTE_NAME_CORE, 0x45524f43	/* "CORE", little-endian; its NUL is the memset's */
	.equ	ELF_NOTE_HDR, 12		/* namesz, descsz, type */
	.equ	ELF_NOTE_DESC, 20		/* header + "CORE\0" padded to 4 bytes */
	.equ	PRSTATUS_SIZE, 336
	.equ	PR_PID, 32
	.equ	PR_REG, 112
	.equ	PT_REGS_QWORDS, 21		/* r15 .. ss: struct pt_regs, the prefix of pr_reg */
	.equ	PR_REG_FS_BASE, PR_REG + 21 * 8

	.equ	NMI_VECTOR, 2
	.equ	APIC_DM_NMI, 0x00400		/* apicdef.h: delivery mode NMI */
	/* Polling rounds of the shoot-down's wait: Linux's one second, counted so runs stay deterministic */
	.equ	CRASH_WAIT_LOOPS, 0x40000
	.equ	CRASH_STACK_BYTES, 1024

	.equ	MSR_FS_BASE, 0xc0000100
	.equ	MSR_GS_BASE, 0xc0000101
	.equ	MSR_AMD64_SEV_ES_GHCB, 0xc0010130

	/* GHCB page layout (arch/x86/include/asm/svm.h struct ghcb) */
	.equ	GHCB_SW_EXIT_CODE, 0x390
	.equ	GHCB_SW_EXIT_INFO_1, 0x398
	.equ	GHCB_SW_EXIT_INFO_2, 0x3a0
	.equ	GHCB_VALID_BITMAP, 0x3f0
	.equ	GHCB_PROTOCOL_VERSION, 0xffa
	.equ	GHCB_USAGE, 0xffc
	/* valid bits 114, 115, 116 (offset / 8) of sw_exit_code, sw_exit_info_1, sw_exit_info_2 */
	.equ	GHCB_VALID_EXIT_FIELDS, 0x1c
	.equ	GHCB_VERSION_1, 1
	.equ	SVM_VMGEXIT_NMI_COMPLETE, 0x80000003

	.text
	.code64

/*
 * IDT vector 2 while a crash kernel is loaded: exc_nmi() -> nmi_handle() -> crash_nmi_callback().
 * Builds struct pt_regs under the hardware frame (rip cs rflags rsp ss), as PUSH_AND_CLEAR_REGS does.
 */
	.globl	crash_nmi_entry
crash_nmi_entry:
	pushq	$-1				/* orig_rax: not a system call */
	pushq	%rdi
	PUSH_PT_REGS_FROM_RSI
	movq	%rsp, %r12			/* struct pt_regs * */
	call	smp_processor_id
	movl	%eax, %r13d
	/*
	 * exc_nmi(): "Re-enable NMIs right here when running as an SEV-ES guest": the hypervisor cannot
	 * see IRET, so the NMI ends with the NMI complete event. crash_nmi_callback() never returns,
	 * so this is the only place it can go.
	 */
	movl	%r13d, %edi
	call	sev_es_nmi_complete
	/* kdump_nmi_callback(): crash_save_cpu(regs, cpu) */
	movl	%r13d, %edi
	movq	%r12, %rsi
	call	crash_save_cpu
	/* crash_nmi_callback(): atomic_dec(&waiting_for_crash_ipi) tells the crashing CPU */
	lock decl	waiting_for_crash_ipi(%rip)
	/*
	 * Then halt. With crash_park_entry set (an SMP capture kernel and the jump table blob
	 * installed), park in the blob instead, as stop_this_cpu() does for kexec.
	 */
	movq	crash_park_entry(%rip), %rax
	testq	%rax, %rax
	jz	crash_nmi_halt
	jmp	*%rax
	.globl	crash_nmi_halt
crash_nmi_halt:
	cli
	hlt
	jmp	crash_nmi_halt

/*
 * Oops entries: die() -> oops_end() -> crash_kexec(regs) for the exceptions the test kernels do not
 * handle. Each stub completes pt_regs' orig_rax (the error code, or -1) and rdi, and passes the vector
 * in EDI. From here the whole crash path runs without the kernel model: the fault is the panic.
 */
	.macro	DIE_ENTRY name, vector, has_error_code
	.globl	\name
\name:
	.if	\has_error_code == 0
	pushq	$-1
	.endif
	pushq	%rdi
	movl	$\vector, %edi
	jmp	crash_die_common
	.endm

	DIE_ENTRY crash_die_de, 0, 0
	DIE_ENTRY crash_die_ud, 6, 0
	DIE_ENTRY crash_die_gp, 13, 1
	DIE_ENTRY crash_die_pf, 14, 1

crash_die_common:
	PUSH_PT_REGS_FROM_RSI
	cld
	movq	%rsp, %r12
	movl	%edi, %r14d
	call	smp_processor_id
	movl	%eax, %r13d
	/*
	 * __crash_kexec(): one CPU only (mutex_trylock(&kexec_mutex) and panic_cpu). A CPU that oopses
	 * while another one crashes stops here, as panic_smp_self_stop() does; the NMI still reaches it.
	 */
	leal	1(%r13), %ecx
	xorl	%eax, %eax
	lock cmpxchgl	%ecx, crash_kexec_cpu(%rip)
	jnz	crash_die_halt
	/* crash_setup_regs(&fixed_regs, regs) and crash_save_cpu(): the fault's pt_regs are the note */
	movl	%r13d, %edi
	movq	%r12, %rsi
	call	crash_save_cpu
	/* What died where, for the kernel model's reports (the oops text printk would show). */
	movl	%r14d, crash_oops_vector(%rip)
	leal	1(%r13), %eax
	movl	%eax, crash_oops_cpu(%rip)
	movl	%r13d, %edi
	jmp	crash_kexec_shutdown
	.globl	crash_die_halt
crash_die_halt:
	cli
	hlt
	jmp	crash_die_halt

/*
 * The rest of __crash_kexec() once the crashing CPU's note is saved: crash_save_vmcoreinfo(),
 * machine_crash_shutdown() (native_machine_crash_shutdown: interrupts off, the NMI shoot-down) and
 * machine_kexec() of the crash image. EDI = this CPU. Entered by the oops path above, or by the kernel
 * model's panic() (sysrq-c, a panic in the model), which saved this CPU's note and set crash_kexec_cpu
 * itself. Runs on the crash stack: the interrupted one may be an AP's small idle stack.
 */
	.globl	crash_kexec_shutdown
crash_kexec_shutdown:
	cli
	cld
	leaq	crash_stack_top(%rip), %rsp
	movl	%edi, %r13d
	call	crash_save_vmcoreinfo
	movl	%r13d, %edi
	call	nmi_shootdown_cpus
	/* machine_kexec(kexec_crash_image) -> relocate_kernel(page table, boot info, entry) */
	movq	crash_image_pgd(%rip), %rdi
	movq	crash_image_boot_info(%rip), %rsi
	movq	crash_image_entry(%rip), %rdx
	jmp	crash_relocate_kernel

/*
 * nmi_shootdown_cpus(kdump_nmi_callback) (arch/x86/kernel/reboot.c), EDI = this CPU: register the
 * NMI callback (IDT vector 2 -> crash_nmi_entry), count the other online CPUs into
 * waiting_for_crash_ipi, NMI all but self through the x2APIC ICR (under SEV-ES a #VC), then wait
 * until every one has answered or the wait runs out ("Kdump: waiting for CPUs" gives up after 1 s).
 */
nmi_shootdown_cpus:
	movl	%edi, %r8d
	leaq	crash_nmi_entry(%rip), %rax
	movq	crash_idt_table(%rip), %rdi
	addq	$NMI_VECTOR * 16, %rdi
	call	set_intr_gate
	/* atomic_set(&waiting_for_crash_ipi, num_online_cpus() - 1) */
	movq	crash_online_flags(%rip), %rsi
	movq	(%rsi), %rsi			/* the kernel's online_flags: u8 online[nr_cpus] */
	movl	crash_nr_cpus(%rip), %ecx
	xorl	%edx, %edx
1:	decl	%ecx
	js	2f
	cmpl	%r8d, %ecx
	je	1b
	cmpb	$0, (%rsi,%rcx)
	je	1b
	incl	%edx
	jmp	1b
2:	movl	%edx, waiting_for_crash_ipi(%rip)
	testl	%edx, %edx
	jz	4f
	/* apic->send_IPI_allbutself(NMI_VECTOR) */
	movl	$MSR_X2APIC_ICR, %ecx
	xorl	%edx, %edx
	movl	$(APIC_DEST_ALLBUT | APIC_DM_NMI), %eax
	wrmsr
	movl	$CRASH_WAIT_LOOPS, %ecx
3:	cmpl	$0, waiting_for_crash_ipi(%rip)
	je	4f
	pause
	decl	%ecx
	jnz	3b
4:	ret

/* set_intr_gate(rax = handler, rdi = IDT slot): a 64-bit interrupt gate, DPL 0, __KERNEL_CS. */
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

/*
 * crash_save_vmcoreinfo() (kernel/crash_core.c): append "CRASHTIME=<time>\n" to the VMCOREINFO note
 * and grow its descsz. Linux writes ktime_get_real_seconds(); the machine has no wall clock, so the
 * TSC stands in (RDTSC: under SEV-ES a #VC the hypervisor answers with the machine's instruction
 * count).
 */
crash_save_vmcoreinfo:
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, %r9
	movq	crash_vmcoreinfo(%rip), %r11
	movl	0(%r11), %eax			/* namesz, padded to 4: the text starts after the name */
	addl	$3, %eax
	andl	$-4, %eax
	leaq	ELF_NOTE_HDR(%r11,%rax), %r10
	movl	4(%r11), %edi			/* descsz */
	addq	%r10, %rdi
	leaq	crashtime_key(%rip), %rsi
	movl	$crashtime_key_end - crashtime_key, %ecx
	rep movsb
	/* the time in decimal: digits pushed least significant first, popped in reading order */
	movq	%r9, %rax
	movl	$10, %r8d
	xorl	%ecx, %ecx
1:	xorl	%edx, %edx
	divq	%r8
	addl	$0x30, %edx
	pushq	%rdx
	incl	%ecx
	testq	%rax, %rax
	jnz	1b
2:	popq	%rax
	stosb
	decl	%ecx
	jnz	2b
	movb	$0x0a, %al
	stosb
	movq	%rdi, %rax
	subq	%r10, %rax
	movl	%eax, 4(%r11)
	/* the padding to 4 bytes and final_note()'s empty header */
	xorl	%eax, %eax
	movq	%rax, 0(%rdi)
	movq	%rax, 8(%rdi)
	movl	%eax, 16(%rdi)
	ret
crashtime_key:
	.ascii	"CRASHTIME="
crashtime_key_end:

/*
 * smp_processor_id() -> EAX: the x2APIC ID from CPUID leaf 0xB (EDX), as the test kernels number
 * CPUs (APIC IDs 0..n-1). Under SEV-ES CPUID is a #VC answered through this CPU's GHCB.
 */
smp_processor_id:
	pushq	%rbx
	movl	$0xb, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%edx, %eax
	popq	%rbx
	ret

/*
 * sev_es_nmi_complete(edi = cpu): SVM_VMGEXIT_NMI_COMPLETE through this CPU's GHCB
 * (crash_ghcb_base + cpu * 4 KiB, mapped decrypted): invalidate, fill, write the GHCB MSR, VMGEXIT.
 */
sev_es_nmi_complete:
	movl	%edi, %edi
	shlq	$12, %rdi
	addq	crash_ghcb_base(%rip), %rdi
	xorl	%eax, %eax
	movq	%rax, GHCB_VALID_BITMAP(%rdi)
	movq	%rax, GHCB_VALID_BITMAP + 8(%rdi)
	movl	$SVM_VMGEXIT_NMI_COMPLETE, %eax
	movq	%rax, GHCB_SW_EXIT_CODE(%rdi)
	movq	$0, GHCB_SW_EXIT_INFO_1(%rdi)
	movq	$0, GHCB_SW_EXIT_INFO_2(%rdi)
	orb	$GHCB_VALID_EXIT_FIELDS, GHCB_VALID_BITMAP + 14(%rdi)
	movw	$GHCB_VERSION_1, GHCB_PROTOCOL_VERSION(%rdi)
	movl	$0, GHCB_USAGE(%rdi)
	movl	$MSR_AMD64_SEV_ES_GHCB, %ecx
	movl	%edi, %eax
	movq	%rdi, %rdx
	shrq	$32, %rdx
	wrmsr
	rep; vmmcall				/* VMGEXIT */
	ret

/*
 * crash_save_cpu(edi = cpu, rsi = struct pt_regs *): the CPU's crash_notes slot becomes
 * append_elf_note("CORE", NT_PRSTATUS, &prstatus) followed by final_note().
 */
crash_save_cpu:
	cmpl	crash_nr_cpus(%rip), %edi
	jae	2f
	movl	%edi, %edx
	movl	%edi, %eax
	shlq	$CRASH_NOTE_SHIFT, %rax
	addq	crash_notes(%rip), %rax
	/* memset(&prstatus, 0, ...), and the final note's zeros */
	movq	%rax, %rdi
	movl	$CRASH_NOTE_BYTES / 8, %ecx
	movq	%rax, %r8
	xorl	%eax, %eax
	rep stosq
	movq	%r8, %rdi
	movl	$5, 0(%rdi)			/* namesz: "CORE\0" */
	movl	$PRSTATUS_SIZE, 4(%rdi)		/* descsz */
	movl	$NT_PRSTATUS, 8(%rdi)
	movl	$ELF_NOTE_NAME_CORE, ELF_NOTE_HDR(%rdi)
	/* pr_pid: the test kernels have no tasks; CPU n is thread n + 1, so gdb lists one per CPU */
	leal	1(%rdx), %eax
	movl	%eax, ELF_NOTE_DESC + PR_PID(%rdi)
	/* elf_core_copy_regs(): pt_regs r15 .. ss are pr_reg[0..20] */
	leaq	ELF_NOTE_DESC + PR_REG(%rdi), %rdi
	movl	$PT_REGS_QWORDS, %ecx
	rep movsq
	/* pr_reg[21..26]: fs_base, gs_base, ds, es, fs, gs */
	movl	$MSR_FS_BASE, %ecx
	rdmsr
	movl	%eax, 0(%rdi)
	movl	%edx, 4(%rdi)
	movl	$MSR_GS_BASE, %ecx
	rdmsr
	movl	%eax, 8(%rdi)
	movl	%edx, 12(%rdi)
	xorl	%eax, %eax
	movw	%ds, %ax
	movq	%rax, 16(%rdi)
	movw	%es, %ax
	movq	%rax, 24(%rdi)
	movw	%fs, %ax
	movq	%rax, 32(%rdi)
	movw	%gs, %ax
	movq	%rax, 40(%rdi)
2:	ret

/*
 * relocate_kernel()'s last step for a crash image (the segments already sit in the crashkernel
 * region, so nothing is copied): rdi = identity page table, rsi = boot info, rdx = entry.
 */
	.globl	crash_relocate_kernel
crash_relocate_kernel:
	cli
	movq	%rdi, %cr3
	jmp	*%rdx

/* Data slots, written by the kernel model when it loads the crash kernel (kdump load). */
	.balign	8
	.globl	crash_notes
crash_notes:
	.quad	0				/* GPA of CPU 0's crash_notes slot */
	.globl	crash_ghcb_base
crash_ghcb_base:
	.quad	0				/* GPA of CPU 0's GHCB; CPU n's is 4 KiB * n above */
	.globl	crash_park_entry
crash_park_entry:
	.quad	0				/* sev_jumptable_ap_park, or 0: halt */
	.globl	crash_idt_table
crash_idt_table:
	.quad	0				/* the kernel's idt_table */
	.globl	crash_online_flags
crash_online_flags:
	.quad	0				/* the kernel's online_flags variable (a pointer) */
	.globl	crash_vmcoreinfo
crash_vmcoreinfo:
	.quad	0				/* vmcoreinfo_note */
	/* kexec_crash_image: what machine_kexec() hands relocate_kernel() */
	.globl	crash_image_pgd
crash_image_pgd:
	.quad	0				/* the identity page table in the crashkernel region */
	.globl	crash_image_boot_info
crash_image_boot_info:
	.quad	0				/* the capture kernel's boot info block */
	.globl	crash_image_entry
crash_image_entry:
	.quad	0				/* the capture kernel's entry */
	.globl	crash_nr_cpus
crash_nr_cpus:
	.long	0
	.globl	waiting_for_crash_ipi
waiting_for_crash_ipi:
	.long	0
	.globl	crash_kexec_cpu
crash_kexec_cpu:
	.long	0				/* CPU + 1 that runs the crash path (panic_cpu), 0: none */
	.globl	crash_oops_cpu
crash_oops_cpu:
	.long	0				/* CPU + 1 whose oops started it, 0: a panic in C */
	.globl	crash_oops_vector
crash_oops_vector:
	.long	0
	.balign	16
crash_stack:
	.skip	CRASH_STACK_BYTES
	.globl	crash_stack_top
crash_stack_top:
	.globl	crash_nmi_end
crash_nmi_end:
