/**
 * Interrupt and exception delivery (AMD APM Vol. 2, 8.7 "Real-Mode Interrupt Control Transfers", 8.8
 * "Legacy Protected-Mode Interrupt Control Transfers", 8.9 "Long-Mode Interrupt Control Transfers").
 * Only same-privilege delivery is modelled (the guest code run here is all CPL 0): a gate whose
 * target code segment is more privileged than CPL, a task gate, or an IST index is not followed: the
 * first two raise #GP, the IST is ignored and the current stack is used.
 */
import { linear, readLin16, readLin32, writeLin } from './access.ts';
import { push, TWO32 } from './exec/operands.ts';
import { fault, VECTOR } from './fault.ts';
import { FLAG, readFlags, writeFlags } from './flags.ts';
import { updateMode } from './modes.ts';
import { loadSegment } from './segments.ts';
import { ATTR, type CpuState, SEGS } from './state.ts';
import { EFER } from './vc-exits.ts';

/** Why an event is delivered: decides the error code and the EXT bit of a fault it causes. */
export type EventKind = 'exception' | 'software' | 'external' | 'nmi';

/** Deliver `vector` with return address `returnIp` (an offset in the current CS). */
export function deliver(
  c: CpuState,
  vector: number,
  errorCode: number,
  kind: EventKind,
  returnIp: number,
): void {
  c.halted = false;
  if ((c.cr0 & 1) === 0) {
    deliverReal(c, vector, returnIp);
    return;
  }
  if ((c.efer & EFER.LMA) !== 0) {
    deliverLong(c, vector, errorCode, kind, returnIp);
    return;
  }
  deliverProtected(c, vector, errorCode, kind, returnIp);
  return;
}

function ext(kind: EventKind): number {
  return kind === 'software' ? 0 : 1;
}

function deliverReal(c: CpuState, vector: number, returnIp: number): void {
  if (vector * 4 + 3 > c.idtrLimit) throw fault(VECTOR.GP, 0, `IVT entry ${vector} is past the IDTR limit`);
  const entry = (c.idtrBase + vector * 4) >>> 0;
  const ip = readLin16(c, entry);
  const cs = readLin16(c, entry + 2);
  const flags = readFlags(c);
  push(c, 2, flags & 0xffff);
  push(c, 2, c.segSel[SEGS.CS]!);
  push(c, 2, returnIp & 0xffff);
  writeFlags(c, flags & ~(FLAG.IF | FLAG.TF | FLAG.AC | FLAG.RF));
  loadSegment(c, SEGS.CS, cs);
  updateMode(c);
  c.rip = ip;
}

function gateTarget(c: CpuState, sel: number, vector: number, kind: EventKind): void {
  if ((sel & 0xfffc) === 0) throw fault(VECTOR.GP, ext(kind), `IDT gate ${vector} has a null selector`);
  loadSegment(c, SEGS.CS, sel);
  const dpl = (c.segAttr[SEGS.CS]! >> 5) & 3;
  const conforming = (c.segAttr[SEGS.CS]! & 4) !== 0;
  if (!conforming && dpl < c.cpl) {
    throw fault(
      VECTOR.GP,
      (sel & 0xfffc) | ext(kind),
      'interrupt to a more privileged level (no stack switch)',
    );
  }
}

function deliverProtected(
  c: CpuState,
  vector: number,
  errorCode: number,
  kind: EventKind,
  returnIp: number,
): void {
  const gateErr = vector * 8 + 2 + ext(kind);
  if (vector * 8 + 7 > c.idtrLimit)
    throw fault(VECTOR.GP, gateErr, `IDT entry ${vector} is past the IDTR limit`);
  const entry = (c.idtrBase + vector * 8) >>> 0;
  const lo = readLin32(c, entry);
  const hi = readLin32(c, entry + 4);
  const type = (hi >>> 8) & 0x1f;
  if (type !== 0x06 && type !== 0x07 && type !== 0x0e && type !== 0x0f) {
    throw fault(VECTOR.GP, gateErr, `IDT entry ${vector} is not an interrupt or trap gate (type ${type})`);
  }
  if (kind === 'software' && ((hi >>> 13) & 3) < c.cpl)
    throw fault(VECTOR.GP, gateErr, 'INT n above gate DPL');
  if ((hi & 0x8000) === 0) throw fault(VECTOR.NP, gateErr, `IDT gate ${vector} is not present`);
  const size = (type & 8) !== 0 ? 4 : 2;
  const flags = readFlags(c);
  const oldCs = c.segSel[SEGS.CS]!;
  const saved = saveCs(c);
  gateTarget(c, lo >>> 16, vector, kind);
  try {
    push(c, size, flags);
    push(c, size, oldCs);
    push(c, size, returnIp >>> 0);
    if (errorCode >= 0) push(c, size, errorCode);
  } catch (e) {
    restoreCs(c, saved);
    throw e;
  }
  let clear = FLAG.TF | FLAG.NT | FLAG.RF | FLAG.VM;
  if ((type & 1) === 0) clear |= FLAG.IF;
  writeFlags(c, flags & ~clear);
  updateMode(c);
  const off = ((lo & 0xffff) | (hi & 0xffff0000)) >>> 0;
  c.rip = size === 2 ? off & 0xffff : off;
}

function deliverLong(
  c: CpuState,
  vector: number,
  errorCode: number,
  kind: EventKind,
  returnIp: number,
): void {
  const gateErr = vector * 16 + 2 + ext(kind);
  if (vector * 16 + 15 > c.idtrLimit)
    throw fault(VECTOR.GP, gateErr, `IDT entry ${vector} is past the IDTR limit`);
  const entry = c.idtrBase + vector * 16;
  const lo = readLin32(c, entry);
  const hi = readLin32(c, entry + 4);
  const upper = readLin32(c, entry + 8) | 0;
  const type = (hi >>> 8) & 0x1f;
  if (type !== 0x0e && type !== 0x0f)
    throw fault(VECTOR.GP, gateErr, `IDT entry ${vector} is not a 64-bit gate`);
  if (kind === 'software' && ((hi >>> 13) & 3) < c.cpl)
    throw fault(VECTOR.GP, gateErr, 'INT n above gate DPL');
  if ((hi & 0x8000) === 0) throw fault(VECTOR.NP, gateErr, `IDT gate ${vector} is not present`);
  const flags = readFlags(c);
  const oldCs = c.segSel[SEGS.CS]!;
  const oldSs = c.segSel[SEGS.SS]!;
  // The frame is always 64-bit, aligned to 16 bytes (APM 8.9.3), written on the current RSP.
  const oldRsp = c.rh[4]! * TWO32 + (c.r[4]! >>> 0);
  const wasLong = c.long64;
  const ripLin = wasLong ? returnIp : returnIp >>> 0;
  let sp = oldRsp - (oldRsp % 16 === 0 ? 0 : ((oldRsp % 16) + 16) % 16);
  const frame: [number, number][] = [
    [oldSs, 0],
    [oldRsp >>> 0, Math.floor(oldRsp / TWO32)],
    [flags, 0],
    [oldCs, 0],
    [ripLin >>> 0, Math.floor(ripLin / TWO32)],
  ];
  if (errorCode >= 0) frame.push([errorCode >>> 0, 0]);
  const saved = saveCs(c);
  gateTarget(c, lo >>> 16, vector, kind);
  if ((c.segAttr[SEGS.CS]! & ATTR.L) === 0) {
    restoreCs(c, saved);
    throw fault(VECTOR.GP, (lo >>> 16) & 0xfffc, 'a long-mode gate must point at a 64-bit code segment');
  }
  updateMode(c);
  try {
    for (const [vlo, vhi] of frame) {
      sp -= 8;
      writeLin(c, linear(c, SEGS.SS, sp, 8), 8, vlo, vhi);
    }
  } catch (e) {
    restoreCs(c, saved);
    updateMode(c);
    throw e;
  }
  c.r[4] = sp;
  c.rh[4] = Math.floor(sp / TWO32);
  let clear = FLAG.TF | FLAG.NT | FLAG.RF | FLAG.VM;
  if ((type & 1) === 0) clear |= FLAG.IF;
  writeFlags(c, flags & ~clear);
  const target = upper * TWO32 + (((lo & 0xffff) | (hi & 0xffff0000)) >>> 0);
  c.rip = target;
}

type CsState = [number, number, number, number];
function saveCs(c: CpuState): CsState {
  return [c.segSel[SEGS.CS]!, c.segBase[SEGS.CS]!, c.segLimit[SEGS.CS]!, c.segAttr[SEGS.CS]!];
}
function restoreCs(c: CpuState, s: CsState): void {
  [c.segSel[SEGS.CS], c.segBase[SEGS.CS], c.segLimit[SEGS.CS], c.segAttr[SEGS.CS]] = s;
}
