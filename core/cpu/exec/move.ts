/**
 * Data movement: MOV in its forms (r/m, immediate, moffs, segment registers), MOVZX/MOVSX/MOVSXD,
 * LEA, XCHG, CMPXCHG, XADD, BSWAP, CBW/CWDE/CDQE, CWD/CDQ/CQO, XLAT, LAHF/SAHF, far-pointer loads
 * (LDS LES LSS LFS LGS), CMOVcc and SETcc.
 */
import { linear, read } from '../access.ts';
import { ud } from '../fault.ts';
import { ARITH_FLAGS, condition, readFlags, settleFlags } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { loadSegment } from '../segments.ts';
import { type CpuState, SEGS } from '../state.ts';
import { ALU, alu, alu64 } from './alu.ts';
import {
  ea,
  eaLinear,
  getReg,
  immOf,
  readE,
  readG,
  readLin,
  segOf,
  setReg,
  TWO32,
  writeE,
  writeG,
  writeLin,
  zReg,
} from './operands.ts';

/** Moffs operand (A0-A3): the absolute offset is the immediate, as wide as the address size. */
function moffs(_c: CpuState, i: Insn): number {
  return typeof i.imm === 'bigint' ? Number(BigInt.asIntN(64, i.imm)) : i.imm;
}

/** Load a segment register from MOV/POP: CS is not loadable; SS starts an interrupt shadow. */
export function movToSeg(c: CpuState, seg: number, sel: number): void {
  if (seg === SEGS.CS || seg > SEGS.GS) throw ud('MOV to CS or to a segment register that does not exist');
  loadSegment(c, seg, sel);
  if (seg === SEGS.SS) {
    c.shadowArm = true;
    // SS.B selects the stack size outside 64-bit mode.
    c.stackSize = c.long64 ? 8 : (c.cr0 & 1) !== 0 && (c.segAttr[SEGS.SS]! & 0x400) !== 0 ? 4 : 2;
  }
}

function signExtend(v: number, fromSize: number): number {
  return fromSize === 1 ? (v << 24) >> 24 : fromSize === 2 ? (v << 16) >> 16 : v | 0;
}

/** Write a sign-extended number (|v| < 2^31) into a reg operand of `size` bytes. */
function writeGSigned(c: CpuState, i: Insn, size: number, v: number): void {
  writeG(c, i, size, size === 8 ? v >>> 0 : v >>> 0, v < 0 ? -1 : 0);
}

/** LDS/LES/LSS/LFS/LGS Gz, Mp: offset then selector. */
function loadFar(c: CpuState, i: Insn, seg: number): void {
  if (i.mod === 3) throw ud('far-pointer load from a register');
  const size = i.opSize === 2 ? 2 : 4;
  const s = segOf(i);
  const off = ea(c, i);
  const v = read(c, s, off, size);
  const sel = read(c, s, (off + size) & (i.addrSize === 2 ? 0xffff : 0xffffffff), 2);
  movToSeg(c, seg, sel);
  writeG(c, i, size, v);
}

export const moveHandlers = {
  movEbGb: (c: CpuState, i: Insn) => writeE(c, i, 1, readG(c, i, 1)),
  movEvGv: (c: CpuState, i: Insn) => {
    const v = readG(c, i, i.opSize);
    writeE(c, i, i.opSize, v, c.hi32);
  },
  movGbEb: (c: CpuState, i: Insn) => writeG(c, i, 1, readE(c, i, 1)),
  movGvEv: (c: CpuState, i: Insn) => {
    const v = readE(c, i, i.opSize);
    writeG(c, i, i.opSize, v, c.hi32);
  },
  movEbIb: (c: CpuState, i: Insn) => writeE(c, i, 1, immOf(c, i, 1)),
  movEvIz: (c: CpuState, i: Insn) => {
    const v = immOf(c, i, i.opSize);
    writeE(c, i, i.opSize, v, c.hi32);
  },
  movZbIb: (c: CpuState, i: Insn) => setReg(c, zReg(i), 1, immOf(c, i, 1), i.rex !== 0),
  movZvIv: (c: CpuState, i: Insn) => {
    const v = immOf(c, i, i.opSize);
    setReg(c, zReg(i), i.opSize, v, true, c.hi32);
  },
  movALOb: (c: CpuState, i: Insn) => setReg(c, 0, 1, read(c, segOf(i), moffs(c, i), 1), false),
  movrAXOv: (c: CpuState, i: Insn) => {
    const v = read(c, segOf(i), moffs(c, i), i.opSize);
    setReg(c, 0, i.opSize, v, true, c.hi32);
  },
  movObAL: (c: CpuState, i: Insn) => writeLin(c, linear(c, segOf(i), moffs(c, i), 1), 1, c.r[0]! & 0xff),
  movOvrAX: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    writeLin(c, linear(c, segOf(i), moffs(c, i), s), s, getReg(c, 0, s, true), c.rh[0]!);
  },
  movEvSw: (c: CpuState, i: Insn) => {
    if (i.reg > SEGS.GS) throw ud('MOV from a segment register that does not exist');
    const sel = c.segSel[i.reg]!;
    // A register destination takes the operand size (zero-extended); memory is always 16 bits.
    if (i.mod === 3) setReg(c, i.rm, i.opSize, sel, true, 0);
    else writeE(c, i, 2, sel);
  },
  movSwEw: (c: CpuState, i: Insn) => movToSeg(c, i.reg, readE(c, i, 2)),
  leaGvM: (c: CpuState, i: Insn) => {
    if (i.mod === 3) throw ud('LEA with a register operand');
    const a = ea(c, i);
    writeG(c, i, i.opSize, a >>> 0, Math.floor(a / TWO32));
  },
  xchgEbGb: (c: CpuState, i: Insn) => {
    const a = readE(c, i, 1);
    const b = readG(c, i, 1);
    writeE(c, i, 1, b);
    writeG(c, i, 1, a);
  },
  xchgEvGv: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const a = readE(c, i, s);
    const ahi = c.hi32;
    const b = readG(c, i, s);
    writeE(c, i, s, b, c.hi32);
    writeG(c, i, s, a, ahi);
  },
  xchgZvrAX: (c: CpuState, i: Insn) => {
    const n = zReg(i);
    const s = i.opSize;
    // 90 without REX.B is NOP (in 64-bit mode XCHG EAX,EAX would clear bits 63:32).
    if (n === 0) return;
    const a = getReg(c, n, s, true);
    const ahi = c.hi32;
    const b = getReg(c, 0, s, true);
    setReg(c, n, s, b, true, c.hi32);
    setReg(c, 0, s, a, true, ahi);
  },
  nop: (_c: CpuState, _i: Insn) => {},
  nopEv: (_c: CpuState, _i: Insn) => {},
  pause: (_c: CpuState, _i: Insn) => {},
  cbw: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    if (s === 2) setReg(c, 0, 2, signExtend(c.r[0]! & 0xff, 1), false);
    else if (s === 4) setReg(c, 0, 4, signExtend(c.r[0]! & 0xffff, 2), false);
    else setReg(c, 0, 8, c.r[0]!, true, c.r[0]! < 0 ? -1 : 0);
  },
  cwd: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const neg = s === 2 ? (c.r[0]! & 0x8000) !== 0 : s === 4 ? c.r[0]! < 0 : c.rh[0]! < 0;
    setReg(c, 2, s, neg ? -1 : 0, true, neg ? -1 : 0);
  },
  xlat: (c: CpuState, i: Insn) => {
    const bx =
      i.addrSize === 2
        ? c.r[3]! & 0xffff
        : i.addrSize === 4
          ? c.r[3]! >>> 0
          : c.rh[3]! * TWO32 + (c.r[3]! >>> 0);
    const off = bx + (c.r[0]! & 0xff);
    const a = i.addrSize === 2 ? off & 0xffff : i.addrSize === 4 ? off >>> 0 : off;
    setReg(c, 0, 1, read(c, i.segOverride >= 0 ? i.segOverride : SEGS.DS, a, 1), false);
  },
  lahf: (c: CpuState, _i: Insn) => setReg(c, 4, 1, readFlags(c) & 0xff, false),
  sahf: (c: CpuState, _i: Insn) => {
    settleFlags(c);
    const ah = (c.r[0]! >> 8) & 0xd5;
    c.flagsBits = (c.flagsBits & ~(ARITH_FLAGS & 0xff)) | ah;
  },
  lesGzMp: (c: CpuState, i: Insn) => loadFar(c, i, SEGS.ES),
  ldsGzMp: (c: CpuState, i: Insn) => loadFar(c, i, SEGS.DS),
  lssGvMp: (c: CpuState, i: Insn) => loadFar(c, i, SEGS.SS),
  lfsGvMp: (c: CpuState, i: Insn) => loadFar(c, i, SEGS.FS),
  lgsGvMp: (c: CpuState, i: Insn) => loadFar(c, i, SEGS.GS),
  movzxGvEb: (c: CpuState, i: Insn) => writeG(c, i, i.opSize, readE(c, i, 1), 0),
  movzxGvEw: (c: CpuState, i: Insn) => writeG(c, i, i.opSize, readE(c, i, 2), 0),
  movsxGvEb: (c: CpuState, i: Insn) => writeGSigned(c, i, i.opSize, signExtend(readE(c, i, 1), 1)),
  movsxGvEw: (c: CpuState, i: Insn) => writeGSigned(c, i, i.opSize, signExtend(readE(c, i, 2), 2)),
  movsxdGvEd: (c: CpuState, i: Insn) => {
    const v = readE(c, i, 4);
    if (i.opSize === 8) writeG(c, i, 8, v, v & 0x80000000 ? -1 : 0);
    else writeG(c, i, i.opSize, v);
  },
  bswapZv: (c: CpuState, i: Insn) => {
    const n = zReg(i);
    const lo = c.r[n]!;
    const sw = (v: number) =>
      ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff);
    if (i.opSize === 8) {
      const hi = c.rh[n]!;
      c.r[n] = sw(hi);
      c.rh[n] = sw(lo);
    } else if (i.opSize === 4) setReg(c, n, 4, sw(lo), true);
    else setReg(c, n, 2, 0, true); // BSWAP r16 is undefined; hardware zeroes the word.
  },
  cmpxchgEbGb: (c: CpuState, i: Insn) => cmpxchg(c, i, 1),
  cmpxchgEvGv: (c: CpuState, i: Insn) => cmpxchg(c, i, i.opSize),
  xaddEbGb: (c: CpuState, i: Insn) => xadd(c, i, 1),
  xaddEvGv: (c: CpuState, i: Insn) => xadd(c, i, i.opSize),
  cmovccGvEv: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const v = readE(c, i, s);
    // A 32-bit CMOV zeroes bits 63:32 even when the condition is false.
    if (condition(c, i.opcode & 0xf)) writeG(c, i, s, v, c.hi32);
    else if (s === 4) writeG(c, i, 4, readG(c, i, 4));
  },
  setccEb: (c: CpuState, i: Insn) => writeE(c, i, 1, condition(c, i.opcode & 0xf) ? 1 : 0),
};

/**
 * CMPXCHG: compare rAX with r/m; equal: r/m = reg, else rAX = r/m. A memory destination is always
 * written (the locked read-modify-write cycle). A register destination is left alone when the compare
 * fails, as on AMD processors (AMD APM Vol. 3 "CMPXCHG"; an EPYC host keeps bits 63:32 of a 32-bit
 * destination): this models an AMD SEV-ES guest, so the Intel behaviour (SDM Vol. 2A "CMPXCHG": the
 * destination is written back, which zero-extends a 32-bit register) is not followed.
 */
function cmpxchg(c: CpuState, i: Insn, size: number): void {
  const lin = i.mod === 3 ? 0 : eaLinear(c, i, size);
  const rex = i.rex !== 0;
  const d = i.mod === 3 ? getReg(c, i.rm, size, rex) : readLin(c, lin, size);
  const dhi = c.hi32;
  const a = getReg(c, 0, size, rex);
  const ahi = c.hi32;
  if (size === 8) alu64(c, ALU.cmp, a, ahi, d, dhi);
  else alu(c, ALU.cmp, a, d, size);
  const equal = c.lazyOp !== 0 ? c.lazyRes === 0 : (c.flagsBits & 0x40) !== 0;
  const src = readG(c, i, size);
  const srcHi = c.hi32;
  const out = equal ? src : d;
  const outHi = equal ? srcHi : dhi;
  if (i.mod !== 3) writeLin(c, lin, size, out, outHi);
  else if (equal) setReg(c, i.rm, size, out, rex, outHi);
  if (!equal) setReg(c, 0, size, d, rex, dhi);
}

/** XADD: r/m = r/m + reg, reg = old r/m. */
function xadd(c: CpuState, i: Insn, size: number): void {
  const rex = i.rex !== 0;
  const lin = i.mod === 3 ? 0 : eaLinear(c, i, size);
  const d = i.mod === 3 ? getReg(c, i.rm, size, rex) : readLin(c, lin, size);
  const dhi = c.hi32;
  const s = readG(c, i, size);
  const shi = c.hi32;
  const sum = size === 8 ? alu64(c, ALU.add, d, dhi, s, shi) : alu(c, ALU.add, d, s, size);
  const sumHi = c.hi32;
  writeG(c, i, size, d, dhi);
  if (i.mod === 3) setReg(c, i.rm, size, sum, rex, sumHi);
  else writeLin(c, lin, size, sum, sumHi);
}

export { ARITH_FLAGS };
