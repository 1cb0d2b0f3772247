/**
 * The eight ALU operations in ModRM.reg order (ADD OR ADC SBB AND SUB XOR CMP), INC/DEC/NOT/NEG and
 * TEST, on 1-, 2- and 4-byte operands with lazy flags, and on 8-byte operands through BigInt with the
 * flags computed at once (64-bit arithmetic is rare in the code this interpreter runs; the 16/32-bit
 * paths stay allocation-free).
 */
import { ARITH_FLAGS, carryFlag, FLAG, LAZY, PARITY, SIGN_BIT, SIZE_MASK, settleFlags } from '../flags.ts';
import type { Insn } from '../insn.ts';
import type { CpuState } from '../state.ts';
import {
  eaLinear,
  getReg,
  immOf,
  readE,
  readG,
  readLin,
  setReg,
  TWO32,
  writeG,
  writeLin,
} from './operands.ts';

export const ALU = { add: 0, or: 1, adc: 2, sbb: 3, and: 4, sub: 5, xor: 6, cmp: 7 } as const;

/** `a op b` on `size` bytes (1, 2, 4); sets the lazy flags and returns the result. */
export function alu(c: CpuState, op: number, a: number, b: number, size: number): number {
  const mask = SIZE_MASK[size]!;
  let r: number;
  switch (op) {
    case ALU.add:
      r = ((a + b) & mask) >>> 0;
      c.lazyOp = LAZY.add;
      break;
    case ALU.adc: {
      const cin = carryFlag(c) ? 1 : 0;
      r = ((a + b + cin) & mask) >>> 0;
      c.lazyOp = LAZY.adc;
      c.lazyCin = cin;
      break;
    }
    case ALU.sbb: {
      const cin = carryFlag(c) ? 1 : 0;
      r = ((a - b - cin) & mask) >>> 0;
      c.lazyOp = LAZY.sbb;
      c.lazyCin = cin;
      break;
    }
    case ALU.sub:
    case ALU.cmp:
      r = ((a - b) & mask) >>> 0;
      c.lazyOp = LAZY.sub;
      break;
    case ALU.or:
      r = (a | b) >>> 0;
      c.lazyOp = LAZY.logic;
      break;
    case ALU.and:
      r = (a & b) >>> 0;
      c.lazyOp = LAZY.logic;
      break;
    default:
      r = (a ^ b) >>> 0;
      c.lazyOp = LAZY.logic;
      break;
  }
  c.lazyA = a;
  c.lazyB = b;
  c.lazyRes = r;
  c.lazySize = size;
  return r;
}

const M64 = (1n << 64n) - 1n;
const SIGN64 = 1n << 63n;

export function big(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Split a 64-bit BigInt: returns bits 31:0, leaves bits 63:32 in c.hi32. */
export function unbig(c: CpuState, v: bigint): number {
  c.hi32 = Number((v >> 32n) & 0xffffffffn) | 0;
  return Number(v & 0xffffffffn);
}

/** Set the six arithmetic flags from a 64-bit operation (eager). */
export function flags64(c: CpuState, r: bigint, cf: boolean, of: boolean, af: boolean): void {
  settleFlags(c);
  let f = PARITY[Number(r & 0xffn)]!;
  if (cf) f |= FLAG.CF;
  if (r === 0n) f |= FLAG.ZF;
  if ((r & SIGN64) !== 0n) f |= FLAG.SF;
  if (of) f |= FLAG.OF;
  if (af) f |= FLAG.AF;
  c.flagsBits = (c.flagsBits & ~ARITH_FLAGS) | f;
}

/** `a op b` on 8-byte operands given as (lo, hi) pairs; result bits 31:0 returned, 63:32 in c.hi32. */
export function alu64(c: CpuState, op: number, alo: number, ahi: number, blo: number, bhi: number): number {
  const a = big(alo, ahi);
  const b = big(blo, bhi);
  const cin = op === ALU.adc || op === ALU.sbb ? (carryFlag(c) ? 1n : 0n) : 0n;
  let r: bigint;
  let cf = false;
  let of = false;
  switch (op) {
    case ALU.add:
    case ALU.adc: {
      const full = a + b + cin;
      r = full & M64;
      cf = full > M64;
      of = ((a ^ r) & (b ^ r) & SIGN64) !== 0n;
      break;
    }
    case ALU.sub:
    case ALU.cmp:
    case ALU.sbb:
      r = (a - b - cin) & M64;
      cf = a < b + cin;
      of = ((a ^ b) & (a ^ r) & SIGN64) !== 0n;
      break;
    case ALU.or:
      r = a | b;
      break;
    case ALU.and:
      r = a & b;
      break;
    default:
      r = a ^ b;
  }
  const logic = op === ALU.or || op === ALU.and || op === ALU.xor;
  flags64(c, r, cf, of, !logic && ((a ^ b ^ r) & 0x10n) !== 0n);
  return unbig(c, r);
}

/** Destination r/m, source `src` (hi in srcHi for 8 bytes): the Ev,Gv / Ev,Iz / Ev,Ib forms. */
function aluToE(c: CpuState, i: Insn, op: number, size: number, src: number, srcHi: number): void {
  if (i.mod === 3) {
    const rex = i.rex !== 0;
    if (size === 8) {
      const lo = getReg(c, i.rm, 8, rex);
      const r = alu64(c, op, lo, c.hi32, src, srcHi);
      if (op !== ALU.cmp) setReg(c, i.rm, 8, r, rex, c.hi32);
      return;
    }
    const r = alu(c, op, getReg(c, i.rm, size, rex), src, size);
    if (op !== ALU.cmp) setReg(c, i.rm, size, r, rex);
    return;
  }
  const lin = eaLinear(c, i, size);
  const a = readLin(c, lin, size);
  if (size === 8) {
    const r = alu64(c, op, a, c.hi32, src, srcHi);
    if (op !== ALU.cmp) writeLin(c, lin, 8, r, c.hi32);
    return;
  }
  if (op === ALU.cmp) {
    alu(c, op, a, src, size);
    return;
  }
  // Write before the flags change, so a faulting write leaves them as they were.
  writeLin(c, lin, size, aluValue(c, op, a, src, size));
  alu(c, op, a, src, size);
}

/** The result of `a op b` without touching the flags. */
function aluValue(c: CpuState, op: number, a: number, b: number, size: number): number {
  const mask = SIZE_MASK[size]!;
  switch (op) {
    case ALU.add:
      return ((a + b) & mask) >>> 0;
    case ALU.adc:
      return ((a + b + (carryFlag(c) ? 1 : 0)) & mask) >>> 0;
    case ALU.sbb:
      return ((a - b - (carryFlag(c) ? 1 : 0)) & mask) >>> 0;
    case ALU.sub:
    case ALU.cmp:
      return ((a - b) & mask) >>> 0;
    case ALU.or:
      return (a | b) >>> 0;
    case ALU.and:
      return (a & b) >>> 0;
    default:
      return (a ^ b) >>> 0;
  }
}

/** Gv,Ev forms: destination is the reg operand. */
function aluToG(c: CpuState, i: Insn, op: number, size: number): void {
  const src = readE(c, i, size);
  if (size === 8) {
    const srcHi = c.hi32;
    const lo = readG(c, i, 8);
    const r = alu64(c, op, lo, c.hi32, src, srcHi);
    if (op !== ALU.cmp) writeG(c, i, 8, r, c.hi32);
    return;
  }
  const r = alu(c, op, readG(c, i, size), src, size);
  if (op !== ALU.cmp) writeG(c, i, size, r);
}

/** AL,Ib / rAX,Iz forms. */
function aluToA(c: CpuState, i: Insn, op: number, size: number): void {
  const src = immOf(c, i, size);
  if (size === 8) {
    const srcHi = c.hi32;
    const r = alu64(c, op, c.r[0]! >>> 0, c.rh[0]!, src, srcHi);
    if (op !== ALU.cmp) setReg(c, 0, 8, r, true, c.hi32);
    return;
  }
  const r = alu(c, op, getReg(c, 0, size, false), src, size);
  if (op !== ALU.cmp) setReg(c, 0, size, r, false);
}

type H = (c: CpuState, i: Insn) => void;

/** Handlers for one ALU operation in all its forms, keyed by the opcode table's exec names. */
function family<N extends string>(name: N, op: number) {
  const EbGb: H = (c, i) => aluToE(c, i, op, 1, readG(c, i, 1), 0);
  const EvGv: H = (c, i) => {
    const s = i.opSize;
    const v = readG(c, i, s);
    aluToE(c, i, op, s, v, c.hi32);
  };
  const GbEb: H = (c, i) => aluToG(c, i, op, 1);
  const GvEv: H = (c, i) => aluToG(c, i, op, i.opSize);
  const ALIb: H = (c, i) => aluToA(c, i, op, 1);
  const rAXIz: H = (c, i) => aluToA(c, i, op, i.opSize);
  const EbIb: H = (c, i) => aluToE(c, i, op, 1, immOf(c, i, 1), 0);
  const EvI: H = (c, i) => {
    const s = i.opSize;
    const v = immOf(c, i, s);
    aluToE(c, i, op, s, v, c.hi32);
  };
  return {
    [`${name}EbGb`]: EbGb,
    [`${name}EvGv`]: EvGv,
    [`${name}GbEb`]: GbEb,
    [`${name}GvEv`]: GvEv,
    [`${name}ALIb`]: ALIb,
    [`${name}rAXIz`]: rAXIz,
    [`${name}EbIb`]: EbIb,
    [`${name}EvIz`]: EvI,
    [`${name}EvIb`]: EvI,
  } as Record<`${N}${'EbGb' | 'EvGv' | 'GbEb' | 'GvEv' | 'ALIb' | 'rAXIz' | 'EbIb' | 'EvIz' | 'EvIb'}`, H>;
}

/** TEST: AND without a result. */
function test(c: CpuState, a: number, ahi: number, b: number, bhi: number, size: number): void {
  if (size === 8) alu64(c, ALU.and, a, ahi, b, bhi);
  else alu(c, ALU.and, a, b, size);
}

/** INC/DEC keep CF (lazyCin carries it); 8 bytes go through alu64 with CF restored. */
function incDec(c: CpuState, a: number, ahi: number, size: number, dec: boolean): number {
  const cf = carryFlag(c) ? 1 : 0;
  if (size === 8) {
    const r = alu64(c, dec ? ALU.sub : ALU.add, a, ahi, 1, 0);
    c.flagsBits = (c.flagsBits & ~FLAG.CF) | cf;
    return r;
  }
  const mask = SIZE_MASK[size]!;
  const r = ((dec ? a - 1 : a + 1) & mask) >>> 0;
  c.lazyOp = dec ? LAZY.dec : LAZY.inc;
  c.lazyA = a;
  c.lazyB = 1;
  c.lazyRes = r;
  c.lazySize = size;
  c.lazyCin = cf;
  return r;
}

/** Apply `f` to the r/m operand in place (INC DEC NOT NEG). */
function unaryE(
  c: CpuState,
  i: Insn,
  size: number,
  f: (c: CpuState, a: number, ahi: number) => number,
): void {
  if (i.mod === 3) {
    const rex = i.rex !== 0;
    const a = getReg(c, i.rm, size, rex);
    const r = f(c, a, c.hi32);
    setReg(c, i.rm, size, r, rex, c.hi32);
    return;
  }
  const lin = eaLinear(c, i, size);
  const a = readLin(c, lin, size);
  const ahi = c.hi32;
  // Compute into shadow flags first: a faulting write must not change them.
  const saved = [
    c.flagsBits,
    c.lazyOp,
    c.lazyRes,
    c.lazyA,
    c.lazyB,
    c.lazySize,
    c.lazyCin,
    c.lazyCfOf,
  ] as const;
  const r = f(c, a, ahi);
  const rhi = c.hi32;
  try {
    writeLin(c, lin, size, r, rhi);
  } catch (e) {
    [c.flagsBits, c.lazyOp, c.lazyRes, c.lazyA, c.lazyB, c.lazySize, c.lazyCin, c.lazyCfOf] = saved;
    throw e;
  }
}

function neg(c: CpuState, a: number, ahi: number, size: number): number {
  if (size === 8) return alu64(c, ALU.sub, 0, 0, a, ahi);
  return alu(c, ALU.sub, 0, a, size);
}

function not(c: CpuState, a: number, ahi: number, size: number): number {
  c.hi32 = ~ahi;
  return (~a & SIZE_MASK[Math.min(size, 4)]!) >>> 0;
}

export const aluHandlers = {
  ...family('add', ALU.add),
  ...family('or', ALU.or),
  ...family('adc', ALU.adc),
  ...family('sbb', ALU.sbb),
  ...family('and', ALU.and),
  ...family('sub', ALU.sub),
  ...family('xor', ALU.xor),
  ...family('cmp', ALU.cmp),
  testEbGb: (c: CpuState, i: Insn) => test(c, readE(c, i, 1), 0, readG(c, i, 1), 0, 1),
  testEvGv: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const a = readE(c, i, s);
    const ahi = c.hi32;
    const b = readG(c, i, s);
    test(c, a, ahi, b, c.hi32, s);
  },
  testALIb: (c: CpuState, i: Insn) => test(c, c.r[0]! & 0xff, 0, immOf(c, i, 1), 0, 1),
  testrAXIz: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const b = immOf(c, i, s);
    test(c, getReg(c, 0, s, false), c.rh[0]!, b, c.hi32, s);
  },
  testEbIb: (c: CpuState, i: Insn) => test(c, readE(c, i, 1), 0, immOf(c, i, 1), 0, 1),
  testEvIz: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const a = readE(c, i, s);
    const ahi = c.hi32;
    const b = immOf(c, i, s);
    test(c, a, ahi, b, c.hi32, s);
  },
  incEb: (c: CpuState, i: Insn) => unaryE(c, i, 1, (c, a, h) => incDec(c, a, h, 1, false)),
  decEb: (c: CpuState, i: Insn) => unaryE(c, i, 1, (c, a, h) => incDec(c, a, h, 1, true)),
  incEv: (c: CpuState, i: Insn) => unaryE(c, i, i.opSize, (c, a, h) => incDec(c, a, h, i.opSize, false)),
  decEv: (c: CpuState, i: Insn) => unaryE(c, i, i.opSize, (c, a, h) => incDec(c, a, h, i.opSize, true)),
  incZv: (c: CpuState, i: Insn) => {
    const n = (i.opcode & 7) | ((i.rex & 1) << 3);
    const s = i.opSize;
    const r = incDec(c, getReg(c, n, s, true), c.rh[n]!, s, false);
    setReg(c, n, s, r, true, c.hi32);
  },
  decZv: (c: CpuState, i: Insn) => {
    const n = (i.opcode & 7) | ((i.rex & 1) << 3);
    const s = i.opSize;
    const r = incDec(c, getReg(c, n, s, true), c.rh[n]!, s, true);
    setReg(c, n, s, r, true, c.hi32);
  },
  notEb: (c: CpuState, i: Insn) => unaryE(c, i, 1, (c, a, h) => not(c, a, h, 1)),
  notEv: (c: CpuState, i: Insn) => unaryE(c, i, i.opSize, (c, a, h) => not(c, a, h, i.opSize)),
  negEb: (c: CpuState, i: Insn) => unaryE(c, i, 1, (c, a, h) => neg(c, a, h, 1)),
  negEv: (c: CpuState, i: Insn) => unaryE(c, i, i.opSize, (c, a, h) => neg(c, a, h, i.opSize)),
};

export { SIGN_BIT, TWO32 };
