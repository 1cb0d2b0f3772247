/**
 * The VMSA the guest kernel builds for an AP it starts (Linux wakeup_cpu_via_vmgexit, arch/x86/coco/
 * sev/core.c): the architectural INIT state of APM vol. 2 "Processor Initialization State", except
 * that CS:IP already points at the real-mode trampoline, as a SIPI would have left it.
 */
import { emptyVmsa, type Vmsa } from './vmsa.ts';

/** AP INIT values (sev/core.c AP_INIT_*, APM vol. 2 "Processor Initialization State"). */
export const AP_INIT = {
  CS_LIMIT: 0xffff,
  DS_LIMIT: 0xffff,
  LDTR_LIMIT: 0xffff,
  GDTR_LIMIT: 0xffff,
  IDTR_LIMIT: 0xffff,
  TR_LIMIT: 0xffff,
  RFLAGS_DEFAULT: 0x2n,
  DR6_DEFAULT: 0xffff0ff0n,
  GPAT_DEFAULT: 0x0007040600070406n,
  XCR0_DEFAULT: 0x1n,
  CR0_DEFAULT: 0x60000010n,
  DR7_RESET_VALUE: 0x400n,
} as const;

/** svm.h SVM_SELECTOR_* masks, combined as sev/core.c INIT_*_ATTRIBS. */
const SVM_SELECTOR = { WRITE: 1 << 1, READ: 1 << 1, CODE: 1 << 3, S: 1 << 4, P: 1 << 7 } as const;
export const INIT_ATTRIBS = {
  CS: SVM_SELECTOR.P | SVM_SELECTOR.S | SVM_SELECTOR.READ | SVM_SELECTOR.CODE,
  DS: SVM_SELECTOR.P | SVM_SELECTOR.S | SVM_SELECTOR.WRITE,
  LDTR: SVM_SELECTOR.P | 2,
  TR: SVM_SELECTOR.P | 3,
} as const;

/** EFER.SVME: "SVME must be set" in a VMSA the guest hands to VMRUN. */
export const EFER_SVME = 1n << 12n;
/** CR4.MCE, the one CR4 bit the kernel carries over to the new AP. */
export const X86_CR4_MCE = 1n << 6n;

/**
 * The VMSA for an AP that starts in real mode at `startIp` (a page-aligned trampoline below 1 MiB:
 * CS = startIp >> 4 with base startIp & ~0xfff, IP = startIp & 0xfff), as wakeup_cpu_via_vmgexit
 * fills it. `cr4` is the BSP's CR4; `sevFeatures` goes to the VMSA and, by the caller, to RAX.
 */
export function apInitVmsa(startIp: number, sevFeatures: bigint, cr4 = 0n): Vmsa {
  const vmsa = emptyVmsa();
  // Set the CS value based on the start_ip converted to a SIPI vector.
  const sipiVector = startIp >>> 12;
  vmsa.segments.cs = {
    selector: (sipiVector << 8) & 0xffff,
    attrib: INIT_ATTRIBS.CS,
    limit: AP_INIT.CS_LIMIT,
    base: BigInt(sipiVector << 12),
  };
  vmsa.fields.rip = BigInt(startIp & 0xfff);
  const ds = { selector: 0, attrib: INIT_ATTRIBS.DS, limit: AP_INIT.DS_LIMIT, base: 0n };
  for (const s of ['ds', 'es', 'fs', 'gs', 'ss'] as const) vmsa.segments[s] = { ...ds };
  vmsa.segments.gdtr = { selector: 0, attrib: 0, limit: AP_INIT.GDTR_LIMIT, base: 0n };
  vmsa.segments.ldtr = { selector: 0, attrib: INIT_ATTRIBS.LDTR, limit: AP_INIT.LDTR_LIMIT, base: 0n };
  vmsa.segments.idtr = { selector: 0, attrib: 0, limit: AP_INIT.IDTR_LIMIT, base: 0n };
  vmsa.segments.tr = { selector: 0, attrib: INIT_ATTRIBS.TR, limit: AP_INIT.TR_LIMIT, base: 0n };
  vmsa.fields.cr4 = cr4 & X86_CR4_MCE;
  vmsa.fields.cr0 = AP_INIT.CR0_DEFAULT;
  vmsa.fields.dr7 = AP_INIT.DR7_RESET_VALUE;
  vmsa.fields.dr6 = AP_INIT.DR6_DEFAULT;
  vmsa.fields.rflags = AP_INIT.RFLAGS_DEFAULT;
  vmsa.fields.g_pat = AP_INIT.GPAT_DEFAULT;
  vmsa.fields.xcr0 = AP_INIT.XCR0_DEFAULT;
  vmsa.fields.efer = EFER_SVME;
  vmsa.fields.sev_features = sevFeatures;
  return vmsa;
}
