/**
 * The INIT / power-on state (AMD APM Vol. 2, 14.1.3 table 14-1 "Initial Processor State"): real mode
 * at F000:FFF0 with CS.base = FFFF0000 (the reset vector 16 bytes below 4 GiB), CR0 = 60000010,
 * EFLAGS = 2, every other segment selector 0 with base 0 and limit FFFF, EDX = the processor signature.
 */
import { FLAGS_FIXED, writeFlags } from './flags.ts';
import { updateMode } from './modes.ts';
import { type CpuState, SEGS } from './state.ts';

/**
 * EDX after INIT: the CPUID Fn0000_0001 EAX signature. AMD family 19h model 01h stepping 1 (EPYC
 * "Milan", the first generation that runs SEV-ES guests in the common clouds): 0x00A00F11.
 */
export const RESET_SIGNATURE = 0x00a00f11;

/** Present, accessed, read/write data (0x93) and execute/read code (0x9B) in VMCB attribute form. */
const DATA_ATTR = 0x93;
const CODE_ATTR = 0x9b;

export function resetState(c: CpuState): void {
  c.r.fill(0);
  c.rh.fill(0);
  c.r[2] = RESET_SIGNATURE;
  writeFlags(c, FLAGS_FIXED);
  for (let s = 0; s < 6; s++) {
    c.segSel[s] = 0;
    c.segBase[s] = 0;
    c.segLimit[s] = 0xffff;
    c.segAttr[s] = DATA_ATTR;
  }
  c.segSel[SEGS.CS] = 0xf000;
  c.segBase[SEGS.CS] = 0xffff0000;
  c.segAttr[SEGS.CS] = CODE_ATTR;
  c.segSel[SEGS.LDTR] = 0;
  c.segBase[SEGS.LDTR] = 0;
  c.segLimit[SEGS.LDTR] = 0xffff;
  c.segAttr[SEGS.LDTR] = 0x82;
  c.segSel[SEGS.TR] = 0;
  c.segBase[SEGS.TR] = 0;
  c.segLimit[SEGS.TR] = 0xffff;
  c.segAttr[SEGS.TR] = 0x8b;
  c.rip = 0xfff0;
  c.gdtrBase = 0;
  c.gdtrLimit = 0xffff;
  c.idtrBase = 0;
  c.idtrLimit = 0xffff;
  c.cr0 = 0x60000010;
  c.cr2 = 0;
  c.cr3 = 0;
  c.cr4 = 0;
  c.cr8 = 0;
  c.efer = 0;
  c.dr6 = 0xffff0ff0;
  c.dr7 = 0x400;
  c.drAddr.fill(0);
  c.xcr0 = 1;
  c.halted = false;
  c.pendingIrqs = null;
  c.pendingNmi = false;
  c.nmiBlocked = false;
  c.shadowUntil = 0;
  c.exitReason = null;
  c.stopRequest = null;
  updateMode(c);
  c.tlb?.flush();
}
