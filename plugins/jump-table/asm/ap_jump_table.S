/*
 * AP jump table parking blob: copied onto the firmware-owned AP jump table page and run there by an
 * AP that the kernel stops (kexec, CPU offlining) under SEV-ES.
 *
 * Modelled on arch/x86/realmode/sev/ap_jump_table.S of the SEV-ES kexec/kdump series (Joerg Roedel,
 * v1-v5). Why it lives on the jump table page: the page belongs to firmware, so a kexec'ed kernel
 * does not overwrite it, while kernel memory would be the new kernel's by the time the AP wakes up.
 *
 * Execution environment on entry at SEV_APJT_ENTRY (set up by sev_ap_park.S):
 *   16-bit protected mode, CS = SEV_APJT_CS16 and DS = SS = SEV_APJT_DS16 of the trampoline GDT,
 *   both with base = the page GPA and limit 0xffff, so every offset below is an offset in the page.
 * The page is usually above 1 MiB, which is why this is 16-bit protected mode and not real mode.
 *
 * Built with `as --32` and `ld -m elf_i386 -T ap_jump_table.lds` (linked at address 0, so every
 * symbol is an offset in the page), then `objcopy -O binary` (scripts/build-asm.ts).
 */
	.include "sev_ap_jumptable.inc"

	.text
	.code16

/*
 * Header, struct sev_ap_jump_table_header. Words 0 and 1 are the reset vector (GHCB spec: IP at
 * offset 0, CS at offset 2); the installer puts the kernel's value back after copying the blob.
 */
	.globl	ap_jumptable_header
ap_jumptable_header:
	.globl	reset_ip
reset_ip:
	.word	0
	.globl	reset_cs
reset_cs:
	.word	0
	.globl	gdt_offset
gdt_offset:
	.word	ap_jumptable_gdt

	.org	SEV_APJT_ENTRY
	.globl	ap_park
ap_park:
	/*
	 * Step 1: our own GDT. DS already has the page as base, so the pseudo-descriptor in GDT slot 0
	 * is addressed by its offset; its base was made absolute by the installer
	 * (sev_es_setup_ap_jump_table_data adds the page GPA). After this nothing depends on kernel
	 * memory, which the next kernel may overwrite.
	 */
	lgdtl	ap_jumptable_gdt
	ljmpw	$SEV_APJT_CS16, $ap_park_cs_reloaded
ap_park_cs_reloaded:
	movl	$SEV_APJT_DS16, %ecx
	movl	%ecx, %ds
	movl	%ecx, %ss
	/* The stack is only needed for POPF after wake-up; it grows down from the page end. */
	movl	$0x1000, %esp

	/*
	 * Step 2: AP reset hold, MSR form (GHCB protocol v2, no GHCB page needed): request 0x006,
	 * VMGEXIT, read back. Hold again unless the response code is 0x007 and the result
	 * (GHCBData, bits 63:12) is non-zero: a wake-up that is not a SIPI leaves it zero.
	 */
	.globl	ap_park_hold
ap_park_hold:
	xorl	%edx, %edx
	movl	$GHCB_MSR_AP_RESET_HOLD_REQ, %eax
	movl	$MSR_AMD64_SEV_ES_GHCB, %ecx
	wrmsr
	rep; vmmcall				/* VMGEXIT */
	rdmsr
	movl	%eax, %ecx
	andl	$GHCB_MSR_INFO_MASK, %ecx
	cmpl	$GHCB_MSR_AP_RESET_HOLD_RESP, %ecx
	jne	ap_park_hold
	shrl	$GHCB_MSR_DATA_SHIFT, %eax	/* result bits 31:12 */
	jnz	ap_park_woken
	testl	%edx, %edx			/* result bits 63:32 */
	jnz	ap_park_woken
	jmp	ap_park_hold

	/*
	 * Step 3: released by a SIPI. The kernel now running wrote its reset vector into page offsets
	 * 0-3; copy that IP:CS pair into the operand of the direct far jump below. An indirect far jump
	 * cannot be used: by then DS holds real-mode values and no longer addresses the page.
	 */
	.globl	ap_park_woken
ap_park_woken:
	xorl	%ecx, %ecx
	movl	(%ecx), %eax
	movl	%eax, jump_target

	/* Step 4: reset-like state: EFLAGS, real-mode DS/SS, cleared registers. */
	pushl	$EFLAGS_RESET_VALUE
	popfl
	movl	$SEV_RM_DS, %ecx
	movl	%ecx, %ds
	movl	%ecx, %ss
	movl	$0, %esp
	movl	$0, %eax
	movl	$0, %ebx
	movl	$0, %edx

	/* Step 5: CR0 reset value: PE clear, so the CPU leaves protected mode. */
	movl	$CR0_RESET_VALUE, %ecx
	movl	%ecx, %cr0

	/* Step 6: JMP ptr16:16 (opcode 0xEA) to the reset vector, in real mode. */
	.globl	ap_park_far_jump
ap_park_far_jump:
	.byte	0xea
	.globl	jump_target
jump_target:
	.long	0				/* IP (low word), CS (high word): patched in step 3 */
	.globl	ap_park_end
ap_park_end:

/*
 * The blob's GDT: 4 descriptors, limit 0x1f. Slot 0 is never used as a descriptor, so it holds the
 * GDTR pseudo-descriptor (u16 limit, u32 base = offset here + page GPA after install).
 */
	.balign	16
	.globl	ap_jumptable_gdt
ap_jumptable_gdt:
	.word	ap_jumptable_gdt_end - ap_jumptable_gdt - 1
	.long	ap_jumptable_gdt
	.word	0
	/* 0x08 SEV_APJT_CS16: access 0x9b, base = page GPA, limit 0xffff: written by the installer */
	.quad	0
	/* 0x10 SEV_APJT_DS16: access 0x93, base = page GPA, limit 0xffff: written by the installer */
	.quad	0
	/* 0x18 SEV_RM_DS: access 0x93, base 0, limit 0xffff (GDT_ENTRY(0x93, 0, 0xffff)) */
	.word	0xffff, 0x0000
	.byte	0x00, 0x93, 0x00, 0x00
	.globl	ap_jumptable_gdt_end
ap_jumptable_gdt_end:
