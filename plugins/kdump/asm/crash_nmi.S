/*
 * The old kernel's crash-time code: the NMI shoot-down handler every other CPU runs, the oops entry
 * of the few exceptions the test kernels leave without a handler, the crash notes writer both share,
 * and the crashing CPU's jump into the capture kernel.
 *
 * Modelled on arch/x86/kernel/nmi.c exc_nmi(), arch/x86/kernel/reboot.c crash_nmi_callback(),
 * arch/x86/kernel/crash.c kdump_nmi_callback(), kernel/crash_core.c crash_save_cpu() and
 * arch/x86/kernel/relocate_kernel_64.S. The kernel model (plugins/kdump/setup.ts) copies this blob
 * into kernel-owned memory, fills the data slots below and points IDT vector 2 and the oops vectors
 * at it. Linked at 0 and position independent: every data access is RIP-relative.
 *
 * Crash notes: one CRASH_NOTE_BYTES slot per CPU (the per-CPU crash_notes buffer), holding an ELF
 * note "CORE"/NT_PRSTATUS with a Linux x86-64 struct elf_prstatus, then the empty final note.
 */
	.include "x86.inc"

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
 * Oops entries: die() -> crash_kexec(regs) for exceptions the test kernels do not handle. Each
 * stub completes pt_regs' orig_rax (the error code, or -1) and rdi, and passes the vector in EDI.
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
	movq	%rsp, %r12
	movl	%edi, %r14d
	call	smp_processor_id
	movl	%eax, %r13d
	/* __crash_kexec(regs) -> machine_crash_shutdown(): the oops regs are this CPU's note */
	movl	%r13d, %edi
	movq	%r12, %rsi
	call	crash_save_cpu
	/* Hand over to the kernel model's panic path: which CPU (+1, 0 = none) and which vector. */
	movl	%r14d, crash_oops_vector(%rip)
	leal	1(%r13), %eax
	movl	%eax, crash_oops_cpu(%rip)
	.globl	crash_die_halt
crash_die_halt:
	cli
	hlt
	jmp	crash_die_halt

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

/* Data slots, written by the kernel model before the handler is armed. */
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
	.globl	crash_nr_cpus
crash_nr_cpus:
	.long	0
	.globl	waiting_for_crash_ipi
waiting_for_crash_ipi:
	.long	0
	.globl	crash_oops_cpu
crash_oops_cpu:
	.long	0
	.globl	crash_oops_vector
crash_oops_vector:
	.long	0
	.globl	crash_nmi_end
crash_nmi_end:
