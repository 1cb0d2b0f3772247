/*
 * OVMF's AP loop after ExitBootServices, under SEV-ES (edk2 UefiCpuPkg/Library/MpInitLib:
 * MpInitChangeApLoopCallback, X64/AmdSev.nasm AsmRelocateApLoopAmdSev). Firmware parks every AP here
 * before it hands over to the OS: one AP reset hold exit in the GHCB form (SVM_VMGEXIT_AP_HLT_LOOP),
 * held until the OS's INIT-SIPI sets sw_exit_info_2; then the reset vector the OS wrote into the AP
 * jump table (IP at offset 0, CS at offset 2), entered in real mode.
 *
 * Entry: the APs' launch-time VMSA state, which the VMM sets: 32-bit protected mode with flat CS, DS
 * and SS, interrupts off. The GHCB MSR holds this CPU's GHCB GPA, as firmware left it; firmware
 * mapped that page shared. ap_jump_table_gpa is filled in by the firmware model (OVMF keeps it in
 * its SEV-ES save area). Linked at the firmware-reserved page (ovmf_ap_stub.lds).
 */
	.equ	MSR_AMD64_SEV_ES_GHCB, 0xc0010130
	.equ	SVM_VMGEXIT_AP_HLT_LOOP, 0x80000004
	/* struct ghcb offsets (arch/x86/include/asm/svm.h) */
	.equ	GHCB_SW_EXIT_CODE, 0x390
	.equ	GHCB_SW_EXIT_INFO_1, 0x398
	.equ	GHCB_SW_EXIT_INFO_2, 0x3a0
	.equ	GHCB_VALID_BITMAP, 0x3f0
	.equ	GHCB_PROTOCOL_VERSION, 0xffa
	.equ	GHCB_USAGE, 0xffc
	/* valid bits 0x390/8 = 114, 115, 116: bits 2, 3, 4 of bitmap byte 14 */
	.equ	GHCB_EXIT_FIELDS_VALID, 0x1c
	.equ	GHCB_VERSION_1, 1
	/* CR0 reset value: CD | NW | ET, PE clear */
	.equ	CR0_RESET_VALUE, 0x60000010

	/* The firmware page (plugins/kexec/layout.ts); ovmf_ap_stub.lds links the code there. */
	.equ	STUB_BASE, 0x9f000

	.equ	STUB_CS32, 0x08
	.equ	STUB_DS32, 0x10
	.equ	STUB_CS16, 0x18
	.equ	STUB_DS16, 0x20

	.text
	.code32
	.globl	ap_stub_entry
ap_stub_entry:
	cli
	lgdtl	stub_gdt_desc
	ljmpl	$STUB_CS32, $ap_stub_flat
ap_stub_flat:
	movl	$STUB_DS32, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	/* This CPU's GHCB: the GHCB MSR still points at it. */
	movl	$MSR_AMD64_SEV_ES_GHCB, %ecx
	rdmsr
	movl	%eax, %ebx

	/* AP reset hold, GHCB form: a fresh request on every round, the hypervisor clears the bitmap. */
	.globl	ap_stub_hold
ap_stub_hold:
	movl	$SVM_VMGEXIT_AP_HLT_LOOP, GHCB_SW_EXIT_CODE(%ebx)
	movl	$0, GHCB_SW_EXIT_CODE + 4(%ebx)
	movl	$0, GHCB_SW_EXIT_INFO_1(%ebx)
	movl	$0, GHCB_SW_EXIT_INFO_1 + 4(%ebx)
	movl	$0, GHCB_SW_EXIT_INFO_2(%ebx)
	movl	$0, GHCB_SW_EXIT_INFO_2 + 4(%ebx)
	movl	$0, GHCB_VALID_BITMAP(%ebx)
	movl	$0, GHCB_VALID_BITMAP + 4(%ebx)
	movl	$0, GHCB_VALID_BITMAP + 8(%ebx)
	movl	$(GHCB_EXIT_FIELDS_VALID << 16), GHCB_VALID_BITMAP + 12(%ebx)
	movw	$GHCB_VERSION_1, GHCB_PROTOCOL_VERSION(%ebx)
	movl	$0, GHCB_USAGE(%ebx)
	movl	%ebx, %eax
	xorl	%edx, %edx
	movl	$MSR_AMD64_SEV_ES_GHCB, %ecx
	wrmsr
	rep; vmmcall				/* VMGEXIT */
	/* Released by a SIPI: sw_exit_info_2 != 0. Anything else is a spurious wake-up: hold again. */
	movl	GHCB_SW_EXIT_INFO_2(%ebx), %eax
	orl	GHCB_SW_EXIT_INFO_2 + 4(%ebx), %eax
	jz	ap_stub_hold

	/* The OS's reset vector: IP:CS, read from the jump table page (above 1 MiB, so still flat). */
	.globl	ap_stub_woken
ap_stub_woken:
	movl	ap_jump_table_gpa, %esi
	movl	(%esi), %eax
	movl	%eax, real_mode_target
	/*
	 * Back to real mode: 16-bit segments with real-mode limits, then CR0.PE = 0. The 16-bit code
	 * segment is based at this page, as real mode's CS will be.
	 */
	ljmpl	$STUB_CS16, $(ap_stub_pm16 - ap_stub_entry)
	.code16
ap_stub_pm16:
	movw	$STUB_DS16, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$CR0_RESET_VALUE, %eax
	movl	%eax, %cr0
	ljmpw	$(STUB_BASE >> 4), $(ap_stub_real_mode - ap_stub_entry)
ap_stub_real_mode:
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorl	%esp, %esp
	xorl	%ebx, %ebx
	xorl	%esi, %esi
	/* JMP m16:16 through the pointer read from the table. */
	ljmpw	*%cs:(real_mode_target - ap_stub_entry)

	.balign	4
	.globl	real_mode_target
real_mode_target:
	.long	0
	/* AP jump table GPA: written by the firmware model (PcdSevEsWorkArea in OVMF). */
	.globl	ap_jump_table_gpa
ap_jump_table_gpa:
	.long	0

	.balign	8
	.globl	stub_gdt
stub_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 32-bit flat code */
	.quad	0x00cf93000000ffff	/* 0x10 flat data */
	.quad	0x00009b09f000ffff	/* 0x18 16-bit code, base STUB_BASE, limit 0xffff */
	.quad	0x000093000000ffff	/* 0x20 16-bit data, base 0, limit 0xffff */
stub_gdt_end:
stub_gdt_desc:
	.word	stub_gdt_end - stub_gdt - 1
	.long	stub_gdt
