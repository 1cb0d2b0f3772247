/**
 * MUL, IMUL (one, two and three operands), DIV and IDIV (AMD APM Vol. 3). Products and dividends wider
 * than 32 bits go through BigInt. MUL/IMUL set CF = OF = "the high half is significant"; SF ZF PF are
 * set from the low half and AF cleared (the manual leaves them undefined). DIV/IDIV raise #DE for a
 * zero divisor or a quotient that does not fit, before anything changes; their flags are undefined
 * and left unchanged.
 */
import { fault, VECTOR } from '../fault.ts';
import { ARITH_FLAGS, FLAG, settleFlags, szp } from '../flags.ts';
import type { Insn } from '../insn.ts';
import type { CpuState } from '../state.ts';
import { big, unbig } from './alu.ts';
import { getReg, immOf, readE, setReg, writeG } from './operands.ts';

function mulFlags(c: CpuState, low: number, size: number, significant: boolean): void {
  settleFlags(c);
  const f = (szp(low, size) & ~FLAG.AF) | (significant ? FLAG.CF | FLAG.OF : 0);
  c.flagsBits = (c.flagsBits & ~ARITH_FLAGS) | f;
}

const toSigned = (v: bigint, bits: number) => BigInt.asIntN(bits, v);

/** Value of rDX:rAX pieces as BigInt for `size` bytes. */
function regBig(c: CpuState, n: number, size: number): bigint {
  const lo = getReg(c, n, size, true);
  return size === 8 ? big(lo, c.hi32) : BigInt(lo);
}

function setRegBig(c: CpuState, n: number, size: number, v: bigint): void {
  const m = BigInt.asUintN(size * 8, v);
  const lo = unbig(c, m);
  setReg(c, n, size, lo, true, c.hi32);
}

function mul(c: CpuState, i: Insn, size: number, signed: boolean): void {
  const srcLo = readE(c, i, size);
  const bits = size * 8;
  if (size === 1) {
    const a = c.r[0]! & 0xff;
    const p = signed ? ((a << 24) >> 24) * ((srcLo << 24) >> 24) : a * srcLo;
    c.r[0] = (c.r[0]! & ~0xffff) | (p & 0xffff);
    const hiSig = signed ? p !== (p << 24) >> 24 : (p & 0xff00) !== 0;
    mulFlags(c, p & 0xff, 1, hiSig);
    return;
  }
  const src = size === 8 ? big(srcLo, c.hi32) : BigInt(srcLo);
  const a = regBig(c, 0, size);
  const p = signed ? toSigned(a, bits) * toSigned(src, bits) : a * src;
  const low = BigInt.asUintN(bits, p);
  const high = BigInt.asUintN(bits, p >> BigInt(bits));
  setRegBig(c, 0, size, low);
  setRegBig(c, 2, size, high);
  const sig = signed ? p !== toSigned(low, bits) : high !== 0n;
  mulFlags(c, Number(low & 0xffffffffn), Math.min(size, 4), sig);
  if (size === 8) {
    // szp on the low dword misses SF/ZF of the full 64-bit result.
    c.flagsBits &= ~(FLAG.SF | FLAG.ZF);
    if (low === 0n) c.flagsBits |= FLAG.ZF;
    if (low >> 63n) c.flagsBits |= FLAG.SF;
  }
}

/** IMUL Gv, Ev[, imm]: truncated product in the reg operand. */
function imulG(c: CpuState, i: Insn, b: bigint): void {
  const size = i.opSize;
  const bits = size * 8;
  const aLo = readE(c, i, size);
  const a = toSigned(size === 8 ? big(aLo, c.hi32) : BigInt(aLo), bits);
  const p = a * toSigned(b, bits);
  const low = BigInt.asUintN(bits, p);
  const lo = unbig(c, low);
  writeG(c, i, size, lo, c.hi32);
  mulFlags(c, lo, Math.min(size, 4), p !== toSigned(low, bits));
  if (size === 8) {
    c.flagsBits &= ~(FLAG.SF | FLAG.ZF);
    if (low === 0n) c.flagsBits |= FLAG.ZF;
    if (low >> 63n) c.flagsBits |= FLAG.SF;
  }
}

function div(c: CpuState, i: Insn, size: number, signed: boolean): void {
  const srcLo = readE(c, i, size);
  const bits = size * 8;
  const divisor = size === 8 ? big(srcLo, c.hi32) : BigInt(srcLo);
  if (divisor === 0n) throw fault(VECTOR.DE, -1, 'divide by zero');
  let dividend: bigint;
  if (size === 1) dividend = BigInt(c.r[0]! & 0xffff);
  else dividend = (regBig(c, 2, size) << BigInt(bits)) | regBig(c, 0, size);
  let q: bigint;
  let r: bigint;
  if (signed) {
    const n = toSigned(dividend, bits * 2);
    const d = toSigned(divisor, bits);
    q = n / d;
    r = n % d;
    if (q !== toSigned(BigInt.asUintN(bits, q), bits)) throw fault(VECTOR.DE, -1, 'IDIV quotient overflow');
  } else {
    q = dividend / divisor;
    r = dividend % divisor;
    if (q >> BigInt(bits) !== 0n) throw fault(VECTOR.DE, -1, 'DIV quotient overflow');
  }
  if (size === 1) {
    const qb = Number(BigInt.asUintN(8, q));
    const rb = Number(BigInt.asUintN(8, r));
    c.r[0] = (c.r[0]! & ~0xffff) | (rb << 8) | qb;
    return;
  }
  setRegBig(c, 0, size, q);
  setRegBig(c, 2, size, r);
}

const bigImm = (c: CpuState, i: Insn) => {
  const lo = immOf(c, i, i.opSize);
  return i.opSize === 8 ? big(lo, c.hi32) : BigInt(lo);
};

export const mulDivHandlers = {
  mulEb: (c: CpuState, i: Insn) => mul(c, i, 1, false),
  mulEv: (c: CpuState, i: Insn) => mul(c, i, i.opSize, false),
  imulEb: (c: CpuState, i: Insn) => mul(c, i, 1, true),
  imulEv: (c: CpuState, i: Insn) => mul(c, i, i.opSize, true),
  divEb: (c: CpuState, i: Insn) => div(c, i, 1, false),
  divEv: (c: CpuState, i: Insn) => div(c, i, i.opSize, false),
  idivEb: (c: CpuState, i: Insn) => div(c, i, 1, true),
  idivEv: (c: CpuState, i: Insn) => div(c, i, i.opSize, true),
  imulGvEv: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const lo = getReg(c, i.reg, s, true);
    const b = s === 8 ? big(lo, c.hi32) : BigInt(lo);
    imulG(c, i, b);
  },
  imulGvEvIz: (c: CpuState, i: Insn) => imulG(c, i, bigImm(c, i)),
  imulGvEvIb: (c: CpuState, i: Insn) => imulG(c, i, bigImm(c, i)),
};
