/**
 * Control transfers: near JMP/CALL/RET, Jcc, LOOP/JrCXZ, far JMP/CALL/RET through pointers (real
 * mode and same-privilege protected mode; no call gates or task switches), INT n/INT3/INTO/INT1 and
 * IRET (AMD APM Vol. 3, Vol. 2 chapter 8). `c.rip` holds the next instruction's offset on entry.
 */
import { read } from '../access.ts';
import { fault, ud, VECTOR } from '../fault.ts';
import { condition, FLAG, overflowFlag, readFlags, writeFlags } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { deliver } from '../interrupts.ts';
import { updateMode } from '../modes.ts';
import { loadSegment } from '../segments.ts';
import { type CpuState, SEGS } from '../state.ts';
import { EFER } from '../vc-exits.ts';
import { ea, getSp, pop, push, readE, reg64, segOf, setSp, TWO32 } from './operands.ts';

const CANONICAL = 0x800000000000;

/** Set the instruction pointer to `target` truncated to the operand size, with limit/canonical checks. */
export function jumpTo(c: CpuState, target: number, size: number): void {
  let ip: number;
  if (size === 2) ip = target & 0xffff;
  else if (size === 4) ip = target >>> 0;
  else ip = target;
  if (c.long64) {
    if (ip < -CANONICAL || ip >= CANONICAL) throw fault(VECTOR.GP, 0, 'jump to a non-canonical address');
  } else if (ip > c.segLimit[SEGS.CS]!) throw fault(VECTOR.GP, 0, 'jump past the CS limit');
  c.rip = ip;
}

const rel = (i: Insn) => i.imm as number;

/** The count register of LOOP/JrCXZ: CX, ECX or RCX by address size. */
function counter(c: CpuState, i: Insn): number {
  return i.addrSize === 2 ? c.r[1]! & 0xffff : i.addrSize === 4 ? c.r[1]! >>> 0 : reg64(c, 1);
}

function decCounter(c: CpuState, i: Insn): number {
  if (i.addrSize === 2) {
    const v = ((c.r[1]! & 0xffff) - 1) & 0xffff;
    c.r[1] = (c.r[1]! & ~0xffff) | v;
    return v;
  }
  if (i.addrSize === 4) {
    const v = ((c.r[1]! >>> 0) - 1) >>> 0;
    c.r[1] = v;
    c.rh[1] = 0;
    return v;
  }
  const lo = c.r[1]! - 1;
  c.r[1] = lo;
  if (lo === -1) c.rh[1] = c.rh[1]! - 1;
  return c.r[1]! !== 0 || c.rh[1]! !== 0 ? 1 : 0;
}

function ripPieces(c: CpuState): [number, number] {
  return [c.rip >>> 0, Math.floor(c.rip / TWO32)];
}

/** Far transfer to sel:off; in protected mode CS comes from its descriptor (same privilege). */
export function farJump(c: CpuState, sel: number, off: number, size: number): void {
  const saved = [c.segSel[SEGS.CS]!, c.segBase[SEGS.CS]!, c.segLimit[SEGS.CS]!, c.segAttr[SEGS.CS]!] as const;
  loadSegment(c, SEGS.CS, sel);
  updateMode(c);
  try {
    jumpTo(c, off, c.long64 && size === 8 ? 8 : size);
  } catch (e) {
    [c.segSel[SEGS.CS], c.segBase[SEGS.CS], c.segLimit[SEGS.CS], c.segAttr[SEGS.CS]] = saved;
    updateMode(c);
    throw e;
  }
}

/** Read a far pointer m16:16 / m16:32 / m16:64 at the memory operand: [offset, selector]. */
function farPointer(c: CpuState, i: Insn): [number, number] {
  if (i.mod === 3) throw ud('far pointer in a register');
  const s = i.opSize;
  const seg = segOf(i);
  const at = ea(c, i);
  const lo = read(c, seg, at, s === 8 ? 8 : s);
  const off = s === 8 ? c.hi32 * TWO32 + lo : lo;
  const selAt = i.addrSize === 2 ? (at + s) & 0xffff : i.addrSize === 4 ? (at + s) >>> 0 : at + s;
  return [off, read(c, seg, selAt, 2)];
}

function farCall(c: CpuState, i: Insn, sel: number, off: number): void {
  const s = i.opSize;
  const sp = getSp(c);
  const [lo, hi] = ripPieces(c);
  const cs = c.segSel[SEGS.CS]!;
  const oldMode = c.stackSize;
  push(c, s, cs);
  push(c, s, lo, hi);
  try {
    farJump(c, sel, off, s);
  } catch (e) {
    c.stackSize = oldMode;
    setSp(c, sp);
    throw e;
  }
}

function farRet(c: CpuState, i: Insn, extra: number): void {
  const s = i.opSize;
  const sp = getSp(c);
  const off = pop(c, s);
  const offHi = c.hi32;
  const sel = pop(c, s) & 0xffff;
  try {
    farJump(c, sel, s === 8 ? offHi * TWO32 + off : off, s);
  } catch (e) {
    setSp(c, sp);
    throw e;
  }
  setSp(c, getSp(c) + extra);
}

/** IRET: real mode and same-privilege protected mode; IRETQ always pops SS:RSP (APM "IRET"). */
function iret(c: CpuState, i: Insn): void {
  const s = i.opSize;
  const sp = getSp(c);
  const ipLo = pop(c, s);
  const ipHi = c.hi32;
  const cs = pop(c, s) & 0xffff;
  const flags = pop(c, s);
  const long = (c.efer & EFER.LMA) !== 0;
  let rsp = 0;
  let ss = 0;
  if (long && s === 8) {
    const lo = pop(c, 8);
    rsp = c.hi32 * TWO32 + lo;
    ss = pop(c, 8) & 0xffff;
  }
  try {
    farJump(c, cs, s === 8 ? ipHi * TWO32 + ipLo : ipLo, s);
  } catch (e) {
    setSp(c, sp);
    throw e;
  }
  const cur = readFlags(c);
  const mask = s === 2 ? 0x7fd5 : 0x3f7fd5 & ~FLAG.VM;
  writeFlags(c, (cur & ~mask) | (flags & mask));
  if (long && s === 8) {
    loadSegment(c, SEGS.SS, ss);
    c.r[4] = rsp;
    c.rh[4] = Math.floor(rsp / TWO32);
    updateMode(c);
  }
  c.nmiBlocked = false;
}

/** INT n and friends: trap-like, the return address is the next instruction; interrupt hooks see it. */
export function softwareInterrupt(c: CpuState, vector: number): void {
  c.onInterrupt(vector, -1, 'software');
  deliver(c, vector, -1, 'software', c.rip);
}

export const controlHandlers = {
  jmpJb: (c: CpuState, i: Insn) => jumpTo(c, c.rip + rel(i), i.opSize),
  jmpJz: (c: CpuState, i: Insn) => jumpTo(c, c.rip + rel(i), i.opSize),
  jccJb: (c: CpuState, i: Insn) => {
    if (condition(c, i.opcode & 0xf)) jumpTo(c, c.rip + rel(i), i.opSize);
  },
  jccJz: (c: CpuState, i: Insn) => {
    if (condition(c, i.opcode & 0xf)) jumpTo(c, c.rip + rel(i), i.opSize);
  },
  callJz: (c: CpuState, i: Insn) => {
    const target = c.rip + rel(i);
    const [lo, hi] = ripPieces(c);
    const sp = getSp(c);
    push(c, i.opSize, lo, hi);
    try {
      jumpTo(c, target, i.opSize);
    } catch (e) {
      setSp(c, sp);
      throw e;
    }
  },
  callEv: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const lo = readE(c, i, s);
    const target = s === 8 ? c.hi32 * TWO32 + lo : lo;
    const [rlo, rhi] = ripPieces(c);
    const sp = getSp(c);
    push(c, s, rlo, rhi);
    try {
      jumpTo(c, target, s);
    } catch (e) {
      setSp(c, sp);
      throw e;
    }
  },
  jmpEv: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const lo = readE(c, i, s);
    jumpTo(c, s === 8 ? c.hi32 * TWO32 + lo : lo, s);
  },
  ret: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const sp = getSp(c);
    const lo = pop(c, s);
    try {
      jumpTo(c, s === 8 ? c.hi32 * TWO32 + lo : lo, s);
    } catch (e) {
      setSp(c, sp);
      throw e;
    }
  },
  retIw: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const sp = getSp(c);
    const lo = pop(c, s);
    try {
      jumpTo(c, s === 8 ? c.hi32 * TWO32 + lo : lo, s);
    } catch (e) {
      setSp(c, sp);
      throw e;
    }
    setSp(c, getSp(c) + (Number(i.imm) & 0xffff));
  },
  jmpfAp: (c: CpuState, i: Insn) => farJump(c, i.imm2, Number(i.imm), i.opSize),
  jmpfMp: (c: CpuState, i: Insn) => {
    const [off, sel] = farPointer(c, i);
    farJump(c, sel, off, i.opSize);
  },
  callfAp: (c: CpuState, i: Insn) => farCall(c, i, i.imm2, Number(i.imm)),
  callfMp: (c: CpuState, i: Insn) => {
    const [off, sel] = farPointer(c, i);
    farCall(c, i, sel, off);
  },
  retf: (c: CpuState, i: Insn) => farRet(c, i, 0),
  retfIw: (c: CpuState, i: Insn) => farRet(c, i, Number(i.imm) & 0xffff),
  iret: (c: CpuState, i: Insn) => iret(c, i),
  loopJb: (c: CpuState, i: Insn) => {
    if (decCounter(c, i) !== 0) jumpTo(c, c.rip + rel(i), i.opSize);
  },
  loopeJb: (c: CpuState, i: Insn) => {
    const n = decCounter(c, i);
    if (n !== 0 && condition(c, 4)) jumpTo(c, c.rip + rel(i), i.opSize);
  },
  loopneJb: (c: CpuState, i: Insn) => {
    const n = decCounter(c, i);
    if (n !== 0 && condition(c, 5)) jumpTo(c, c.rip + rel(i), i.opSize);
  },
  jrcxzJb: (c: CpuState, i: Insn) => {
    if (counter(c, i) === 0) jumpTo(c, c.rip + rel(i), i.opSize);
  },
  int3: (c: CpuState, _i: Insn) => softwareInterrupt(c, VECTOR.BP),
  int1: (c: CpuState, _i: Insn) => deliver(c, VECTOR.DB, -1, 'exception', c.rip),
  intIb: (c: CpuState, i: Insn) => softwareInterrupt(c, Number(i.imm) & 0xff),
  into: (c: CpuState, _i: Insn) => {
    if (overflowFlag(c)) softwareInterrupt(c, VECTOR.OF);
  },
};
