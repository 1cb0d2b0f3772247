/**
 * Operating modes and the control registers that switch them (AMD APM Vol. 2, 14.6 "Enabling and
 * Activating Long Mode", 3.1 "System-Control Registers"). The interpreter reads the derived fields
 * (`codeSize`, `stackSize`, `long64`) on every instruction; they change only here.
 */
import { tlbOf } from './access.ts';
import { fault, VECTOR } from './fault.ts';
import { ATTR, type CpuState, SEGS } from './state.ts';
import { CR0, CR0_PG, CR4, EFER } from './vc-exits.ts';

export type CpuMode = 'real' | 'protected16' | 'protected32' | 'long64' | 'compat16' | 'compat32';

export function updateMode(c: CpuState): void {
  if (c.tlb !== null) c.tlb.fetchEpoch++;
  const cs = c.segAttr[SEGS.CS]!;
  if ((c.cr0 & CR0.PE) === 0) {
    c.long64 = false;
    c.codeSize = 16;
    c.stackSize = 2;
    c.cpl = 0;
    return;
  }
  c.long64 = (c.efer & EFER.LMA) !== 0 && (cs & ATTR.L) !== 0;
  c.codeSize = c.long64 ? 64 : (cs & ATTR.DB) !== 0 ? 32 : 16;
  c.stackSize = c.long64 ? 8 : (c.segAttr[SEGS.SS]! & ATTR.DB) !== 0 ? 4 : 2;
}

export function modeOf(c: CpuState): CpuMode {
  if ((c.cr0 & CR0.PE) === 0) return 'real';
  if ((c.efer & EFER.LMA) !== 0) return c.long64 ? 'long64' : c.codeSize === 32 ? 'compat32' : 'compat16';
  return c.codeSize === 32 ? 'protected32' : 'protected16';
}

function flushTlb(c: CpuState): void {
  tlbOf(c).flush();
}

/** MOV CR0 (and LMSW): PE/PG transitions, LMA activation (APM 14.6.1), TLB flush on paging changes. */
export function writeCr0(c: CpuState, v: number): void {
  v = (v | CR0.ET) >>> 0;
  const pg = (v & CR0_PG) !== 0;
  if (pg && (v & CR0.PE) === 0) throw fault(VECTOR.GP, 0, 'CR0.PG without CR0.PE');
  const wasPg = (c.cr0 & CR0_PG) !== 0;
  if (pg && !wasPg && (c.efer & EFER.LME) !== 0) {
    if ((c.cr4 & CR4.PAE) === 0) throw fault(VECTOR.GP, 0, 'long mode needs CR4.PAE before CR0.PG');
    c.efer |= EFER.LMA;
  }
  if (!pg && wasPg && (c.efer & EFER.LMA) !== 0) {
    // Leaving long mode is only legal from compatibility mode (APM 14.7 "Leaving Long Mode").
    if (c.long64) throw fault(VECTOR.GP, 0, 'CR0.PG cleared in 64-bit mode');
    c.efer &= ~EFER.LMA;
  }
  const changed = (c.cr0 ^ v) >>> 0;
  c.cr0 = v;
  if ((changed & (CR0_PG | CR0.PE | CR0.WP)) !== 0) flushTlb(c);
  updateMode(c);
}

export function writeCr3(c: CpuState, v: number): void {
  c.cr3 = v;
  flushTlb(c);
}

export function writeCr4(c: CpuState, v: number): void {
  if ((c.efer & EFER.LMA) !== 0 && (v & CR4.PAE) === 0)
    throw fault(VECTOR.GP, 0, 'CR4.PAE cleared in long mode');
  const changed = c.cr4 ^ v;
  c.cr4 = v >>> 0;
  if ((changed & (CR4.PAE | CR4.PSE | CR4.PGE | CR4.PCIDE)) !== 0) flushTlb(c);
}

/** WRMSR EFER: LMA is read-only; LME may not change while paging is on (APM 14.6). */
export function writeEfer(c: CpuState, v: number): void {
  const known = EFER.SCE | EFER.LME | EFER.LMA | EFER.NXE | 0x1000 | 0x2000 | 0x4000 | 0x8000;
  if ((v & ~known) !== 0) throw fault(VECTOR.GP, 0, `reserved EFER bits 0x${v.toString(16)}`);
  if ((c.cr0 & CR0_PG) !== 0 && ((v ^ c.efer) & EFER.LME) !== 0) {
    throw fault(VECTOR.GP, 0, 'EFER.LME changed while paging is on');
  }
  const next = (v & ~EFER.LMA) | (c.efer & EFER.LMA);
  if (((next ^ c.efer) & EFER.NXE) !== 0) flushTlb(c);
  c.efer = next;
  updateMode(c);
}
