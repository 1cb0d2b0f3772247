/**
 * A vCPU's architectural state as plain data (registers, segment caches, control registers, MSRs,
 * pending events, the retired count), for `Cpu.snapshot()`/`restore()` and machine snapshots.
 */
import { readFlags, writeFlags } from './flags.ts';
import { updateMode } from './modes.ts';
import type { CpuState } from './state.ts';

export type CpuSnapshot = ReturnType<typeof snapshotState>;

export function snapshotState(c: CpuState) {
  writeFlags(c, readFlags(c));
  return {
    r: Array.from(c.r),
    rh: Array.from(c.rh),
    rip: c.rip,
    flags: readFlags(c),
    segSel: Array.from(c.segSel),
    segBase: Array.from(c.segBase),
    segLimit: Array.from(c.segLimit),
    segAttr: Array.from(c.segAttr),
    gdtr: [c.gdtrBase, c.gdtrLimit] as const,
    idtr: [c.idtrBase, c.idtrLimit] as const,
    cr: [c.cr0, c.cr2, c.cr3, c.cr4, c.cr8] as const,
    efer: c.efer,
    dr: [c.dr6, c.dr7, ...c.drAddr] as const,
    msrs: [...c.msrs],
    ghcbMsr: c.ghcbMsr,
    xcr0: c.xcr0,
    halted: c.halted,
    pendingIrqs: c.pendingIrqs ? [...c.pendingIrqs] : null,
    pendingNmi: c.pendingNmi,
    nmiBlocked: c.nmiBlocked,
    shadowUntil: c.shadowUntil,
    instructionsRetired: c.instructionsRetired,
    exitReason: c.exitReason,
    fpu: [c.fpuCw, c.fpuSw] as const,
  };
}

export function restoreState(c: CpuState, s: CpuSnapshot): void {
  c.r.set(s.r);
  c.rh.set(s.rh);
  c.rip = s.rip;
  writeFlags(c, s.flags);
  c.segSel.set(s.segSel);
  c.segBase.set(s.segBase);
  c.segLimit.set(s.segLimit);
  c.segAttr.set(s.segAttr);
  [c.gdtrBase, c.gdtrLimit] = s.gdtr;
  [c.idtrBase, c.idtrLimit] = s.idtr;
  [c.cr0, c.cr2, c.cr3, c.cr4, c.cr8] = s.cr;
  c.efer = s.efer;
  c.dr6 = s.dr[0];
  c.dr7 = s.dr[1];
  c.drAddr.set(s.dr.slice(2) as number[]);
  c.msrs.clear();
  for (const [k, v] of s.msrs) c.msrs.set(k, v);
  c.ghcbMsr = s.ghcbMsr;
  c.xcr0 = s.xcr0;
  c.halted = s.halted;
  c.pendingIrqs = s.pendingIrqs ? [...s.pendingIrqs] : null;
  c.pendingNmi = s.pendingNmi;
  c.nmiBlocked = s.nmiBlocked;
  c.shadowUntil = s.shadowUntil;
  c.instructionsRetired = s.instructionsRetired;
  c.exitReason = s.exitReason;
  [c.fpuCw, c.fpuSw] = s.fpu;
  c.stopRequest = null;
  updateMode(c);
  c.tlb?.flush();
}
