/**
 * Bit instructions: BT/BTS/BTR/BTC (register and imm8 offsets; a register offset reaches outside the
 * addressed operand in memory, APM "BT"), BSF/BSR, POPCNT, LZCNT, TZCNT. BT* set CF and leave the
 * other flags; BSF/BSR set ZF and leave the destination unchanged for a zero source (AMD behaviour).
 */
import { read, write } from '../access.ts';
import { ARITH_FLAGS, FLAG, settleFlags } from '../flags.ts';
import type { Insn } from '../insn.ts';
import type { CpuState } from '../state.ts';
import { ea, getReg, readE, readG, segOf, setReg, writeG } from './operands.ts';

const BT = { bt: 0, bts: 1, btr: 2, btc: 3 } as const;

function setCf(c: CpuState, on: boolean): void {
  settleFlags(c);
  c.flagsBits = on ? c.flagsBits | FLAG.CF : c.flagsBits & ~FLAG.CF;
}

function apply(v: number, bit: number, op: number): number {
  const m = 1 << bit;
  switch (op) {
    case BT.bts:
      return (v | m) >>> 0;
    case BT.btr:
      return (v & ~m) >>> 0;
    case BT.btc:
      return (v ^ m) >>> 0;
    default:
      return v;
  }
}

/** Bit test on an operand of `size` bytes; `offset` is the bit offset (signed for register forms). */
function bitOp(c: CpuState, i: Insn, op: number, offset: number, fromReg: boolean): void {
  const size = i.opSize;
  if (i.mod === 3) {
    const rex = i.rex !== 0;
    const bits = size * 8;
    const bit = ((offset % bits) + bits) % bits;
    if (size === 8) {
      const lo = getReg(c, i.rm, 8, rex);
      const hi = c.hi32;
      const inHi = bit >= 32;
      const word = inHi ? hi : lo;
      setCf(c, ((word >>> (bit & 31)) & 1) !== 0);
      const next = apply(word >>> 0, bit & 31, op);
      if (op !== BT.bt) setReg(c, i.rm, 8, inHi ? lo : next, rex, inHi ? next : hi);
      return;
    }
    const v = getReg(c, i.rm, size, rex);
    setCf(c, ((v >>> bit) & 1) !== 0);
    if (op !== BT.bt) setReg(c, i.rm, size, apply(v, bit, op), rex);
    return;
  }
  // Memory: a register offset selects a byte anywhere (signed); an immediate stays in the operand.
  const bits = size * 8;
  const bit = fromReg ? offset : offset % bits;
  const byteOff = Math.floor(bit / 8);
  const inByte = ((bit % 8) + 8) % 8;
  const seg = segOf(i);
  const base = ea(c, i) + byteOff;
  const at = i.addrSize === 2 ? base & 0xffff : i.addrSize === 4 ? base >>> 0 : base;
  const v = read(c, seg, at, 1);
  const next = apply(v, inByte, op) & 0xff;
  if (op !== BT.bt) write(c, seg, at, 1, next);
  setCf(c, ((v >>> inByte) & 1) !== 0);
}

function regOffset(c: CpuState, i: Insn): number {
  const s = i.opSize;
  const v = readG(c, i, s);
  if (s === 2) return (v << 16) >> 16;
  if (s === 4) return v | 0;
  return c.hi32 * 4294967296 + v;
}

function scanFlags(c: CpuState, zero: boolean): void {
  settleFlags(c);
  c.flagsBits = (c.flagsBits & ~FLAG.ZF) | (zero ? FLAG.ZF : 0);
}

function value64(c: CpuState, i: Insn): [number, number] {
  const lo = readE(c, i, i.opSize);
  return [lo, i.opSize === 8 ? c.hi32 >>> 0 : 0];
}

export const bitHandlers = {
  btEvGv: (c: CpuState, i: Insn) => bitOp(c, i, BT.bt, regOffset(c, i), true),
  btsEvGv: (c: CpuState, i: Insn) => bitOp(c, i, BT.bts, regOffset(c, i), true),
  btrEvGv: (c: CpuState, i: Insn) => bitOp(c, i, BT.btr, regOffset(c, i), true),
  btcEvGv: (c: CpuState, i: Insn) => bitOp(c, i, BT.btc, regOffset(c, i), true),
  btEvIb: (c: CpuState, i: Insn) => bitOp(c, i, BT.bt, Number(i.imm) & 0xff, false),
  btsEvIb: (c: CpuState, i: Insn) => bitOp(c, i, BT.bts, Number(i.imm) & 0xff, false),
  btrEvIb: (c: CpuState, i: Insn) => bitOp(c, i, BT.btr, Number(i.imm) & 0xff, false),
  btcEvIb: (c: CpuState, i: Insn) => bitOp(c, i, BT.btc, Number(i.imm) & 0xff, false),
  bsfGvEv: (c: CpuState, i: Insn) => {
    const [lo, hi] = value64(c, i);
    if (lo === 0 && hi === 0) return scanFlags(c, true);
    const n = lo !== 0 ? 31 - Math.clz32(lo & -lo) : 32 + 31 - Math.clz32(hi & -hi);
    writeG(c, i, i.opSize, n, 0);
    scanFlags(c, false);
  },
  bsrGvEv: (c: CpuState, i: Insn) => {
    const [lo, hi] = value64(c, i);
    if (lo === 0 && hi === 0) return scanFlags(c, true);
    const n = hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
    writeG(c, i, i.opSize, n, 0);
    scanFlags(c, false);
  },
  popcntGvEv: (c: CpuState, i: Insn) => {
    const [lo, hi] = value64(c, i);
    let n = 0;
    for (let v = lo >>> 0; v !== 0; v &= v - 1) n++;
    for (let v = hi >>> 0; v !== 0; v &= v - 1) n++;
    writeG(c, i, i.opSize, n, 0);
    settleFlags(c);
    c.flagsBits = (c.flagsBits & ~ARITH_FLAGS) | (n === 0 ? FLAG.ZF : 0);
  },
  lzcntGvEv: (c: CpuState, i: Insn) => {
    const bits = i.opSize * 8;
    const [lo, hi] = value64(c, i);
    const n = bits === 64 ? (hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo)) : Math.clz32(lo) - (32 - bits);
    writeG(c, i, i.opSize, n, 0);
    settleFlags(c);
    c.flagsBits = (c.flagsBits & ~(FLAG.CF | FLAG.ZF)) | (n === bits ? FLAG.CF : 0) | (n === 0 ? FLAG.ZF : 0);
  },
  tzcntGvEv: (c: CpuState, i: Insn) => {
    const bits = i.opSize * 8;
    const [lo, hi] = value64(c, i);
    let n: number;
    if (lo !== 0) n = 31 - Math.clz32(lo & -lo);
    else if (bits === 64 && hi !== 0) n = 32 + 31 - Math.clz32(hi & -hi);
    else n = bits;
    writeG(c, i, i.opSize, n, 0);
    settleFlags(c);
    c.flagsBits = (c.flagsBits & ~(FLAG.CF | FLAG.ZF)) | (n === bits ? FLAG.CF : 0) | (n === 0 ? FLAG.ZF : 0);
  },
};
