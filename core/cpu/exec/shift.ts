/**
 * Group 2 shifts and rotates (ROL ROR RCL RCR SHL SHR SAL SAR) by 1, CL or imm8, and SHLD/SHRD
 * (AMD APM Vol. 3, "ROL" ... "SHRD"). The count is masked to 5 bits (6 with 64-bit operands); a zero
 * count leaves the flags and the low bits alone, but a 32-bit register destination is still written,
 * so in 64-bit mode bits 63:32 are cleared (AMD APM Vol. 1, "64-Bit-Mode Registers", zero-extension
 * of 32-bit results; AMD EPYC hardware does this for a zero count too). Rotates touch
 * only CF and OF; shifts set SF ZF PF CF OF and leave AF cleared (the manual calls it undefined).
 */
import { ARITH_FLAGS, carryFlag, FLAG, LAZY, LAZY_CFOF, SIZE_MASK, settleFlags, szp } from '../flags.ts';
import type { Insn } from '../insn.ts';
import type { CpuState } from '../state.ts';
import { big, unbig } from './alu.ts';
import { eaLinear, getReg, readG, readLin, setReg, writeLin } from './operands.ts';

export const SHIFT = { rol: 0, ror: 1, rcl: 2, rcr: 3, shl: 4, shr: 5, sal: 6, sar: 7 } as const;

function setFlags(c: CpuState, mask: number, value: number): void {
  settleFlags(c);
  c.flagsBits = (c.flagsBits & ~mask) | (value & mask);
}

/** Rotates: CF and OF only, kept lazy on top of the previous operation (flags.ts LAZY_CFOF). */
function setCfOf(c: CpuState, cf: number, of: number): void {
  if (c.lazyOp === LAZY.none) {
    c.flagsBits = (c.flagsBits & ~(FLAG.CF | FLAG.OF)) | (cf ? FLAG.CF : 0) | (of ? FLAG.OF : 0);
    return;
  }
  c.lazyOp |= LAZY_CFOF;
  c.lazyCfOf = (cf & 1) | ((of & 1) << 1);
}

/** One shift/rotate of `a` (size 1, 2 or 4 bytes) by a masked, non-zero count. */
export function shift32(c: CpuState, op: number, a: number, n: number, size: number): number {
  const w = size * 8;
  const mask = SIZE_MASK[size]!;
  const top = w - 1;
  let r: number;
  let cf: number;
  let of: number;
  switch (op) {
    case SHIFT.rol: {
      const k = n % w;
      r = k === 0 ? a : (((a << k) | (a >>> (w - k))) & mask) >>> 0;
      cf = r & 1;
      of = ((r >>> top) & 1) ^ cf;
      setCfOf(c, cf, of);
      return r;
    }
    case SHIFT.ror: {
      const k = n % w;
      r = k === 0 ? a : (((a >>> k) | (a << (w - k))) & mask) >>> 0;
      cf = (r >>> top) & 1;
      of = cf ^ ((r >>> (w - 2)) & 1);
      setCfOf(c, cf, of);
      return r;
    }
    case SHIFT.rcl: {
      const k = n % (w + 1);
      cf = carryFlag(c) ? 1 : 0;
      r = a;
      for (let j = 0; j < k; j++) {
        const out = (r >>> top) & 1;
        r = (((r << 1) | cf) & mask) >>> 0;
        cf = out;
      }
      of = ((r >>> top) & 1) ^ cf;
      setCfOf(c, cf, of);
      return r;
    }
    case SHIFT.rcr: {
      const k = n % (w + 1);
      cf = carryFlag(c) ? 1 : 0;
      r = a;
      for (let j = 0; j < k; j++) {
        const out = r & 1;
        r = ((r >>> 1) | (cf << (w - 1))) >>> 0;
        r = (r & mask) >>> 0;
        cf = out;
      }
      of = ((r >>> top) & 1) ^ ((r >>> (w - 2)) & 1);
      setCfOf(c, cf, of);
      return r;
    }
    case SHIFT.shl:
    case SHIFT.sal:
      r = n >= 32 ? 0 : ((a << n) & mask) >>> 0;
      cf = n > w ? 0 : (a >>> (w - n)) & 1;
      of = ((r >>> top) & 1) ^ cf;
      break;
    case SHIFT.shr:
      r = n >= 32 ? 0 : a >>> n;
      cf = (a >>> (n - 1)) & 1;
      of = (a >>> top) & 1;
      break;
    default: {
      const sa = (a << (32 - w)) >> (32 - w);
      r = ((sa >> Math.min(n, 31)) & mask) >>> 0;
      cf = (sa >> Math.min(n - 1, 31)) & 1;
      of = 0;
    }
  }
  setFlags(c, ARITH_FLAGS, szp(r, size) | (cf ? FLAG.CF : 0) | (of ? FLAG.OF : 0));
  return r;
}

const M64 = (1n << 64n) - 1n;

function shift64(c: CpuState, op: number, lo: number, hi: number, n: number): number {
  const a = big(lo, hi);
  const N = BigInt(n);
  const msb = (v: bigint) => Number((v >> 63n) & 1n);
  let r: bigint;
  let cf: number;
  let of: number;
  const rotFlags = () => setFlags(c, FLAG.CF | FLAG.OF, (cf ? FLAG.CF : 0) | (of ? FLAG.OF : 0));
  switch (op) {
    case SHIFT.rol:
      r = ((a << N) | (a >> (64n - N))) & M64;
      cf = Number(r & 1n);
      of = msb(r) ^ cf;
      rotFlags();
      return unbig(c, r);
    case SHIFT.ror:
      r = ((a >> N) | (a << (64n - N))) & M64;
      cf = msb(r);
      of = cf ^ Number((r >> 62n) & 1n);
      rotFlags();
      return unbig(c, r);
    case SHIFT.rcl:
    case SHIFT.rcr: {
      let v = a;
      let carry = carryFlag(c) ? 1n : 0n;
      for (let j = 0; j < n; j++) {
        if (op === SHIFT.rcl) {
          const out = v >> 63n;
          v = ((v << 1n) | carry) & M64;
          carry = out;
        } else {
          const out = v & 1n;
          v = (v >> 1n) | (carry << 63n);
          carry = out;
        }
      }
      r = v;
      cf = Number(carry);
      of = op === SHIFT.rcl ? msb(r) ^ cf : msb(r) ^ Number((r >> 62n) & 1n);
      rotFlags();
      return unbig(c, r);
    }
    case SHIFT.shl:
    case SHIFT.sal:
      r = (a << N) & M64;
      cf = Number((a >> (64n - N)) & 1n);
      of = msb(r) ^ cf;
      break;
    case SHIFT.shr:
      r = a >> N;
      cf = Number((a >> (N - 1n)) & 1n);
      of = msb(a);
      break;
    default: {
      const sa = BigInt.asIntN(64, a);
      r = (sa >> N) & M64;
      cf = Number((sa >> (N - 1n)) & 1n);
      of = 0;
    }
  }
  settleFlags(c);
  let f = (cf ? FLAG.CF : 0) | (of ? FLAG.OF : 0);
  f |= szp(Number(r & 0xffn), 1) & FLAG.PF;
  if (r === 0n) f |= FLAG.ZF;
  if (r >> 63n) f |= FLAG.SF;
  c.flagsBits = (c.flagsBits & ~ARITH_FLAGS) | f;
  return unbig(c, r);
}

/** Shift the r/m operand by `count` (already read; masked here). */
export function shiftE(c: CpuState, i: Insn, op: number, size: number, count: number): void {
  const n = count & (size === 8 ? 0x3f : 0x1f);
  if (i.mod === 3) {
    const rex = i.rex !== 0;
    const a = getReg(c, i.rm, size, rex);
    if (n === 0) {
      if (size === 4) setReg(c, i.rm, 4, a, rex);
      return;
    }
    const r = size === 8 ? shift64(c, op, a, c.hi32, n) : shift32(c, op, a, n, size);
    setReg(c, i.rm, size, r, rex, c.hi32);
    return;
  }
  const lin = eaLinear(c, i, size);
  const a = readLin(c, lin, size);
  const ahi = c.hi32;
  if (n === 0) return;
  settleFlags(c);
  const saved = c.flagsBits;
  const r = size === 8 ? shift64(c, op, a, ahi, n) : shift32(c, op, a, n, size);
  try {
    writeLin(c, lin, size, r, c.hi32);
  } catch (e) {
    c.flagsBits = saved;
    throw e;
  }
}

type H = (c: CpuState, i: Insn) => void;

function grp2<N extends string>(name: N, op: number) {
  const imm = (i: Insn) => (typeof i.imm === 'number' ? i.imm : Number(i.imm)) & 0xff;
  return {
    [`${name}EbIb`]: ((c, i) => shiftE(c, i, op, 1, imm(i))) as H,
    [`${name}EvIb`]: ((c, i) => shiftE(c, i, op, i.opSize, imm(i))) as H,
    [`${name}Eb1`]: ((c, i) => shiftE(c, i, op, 1, 1)) as H,
    [`${name}Ev1`]: ((c, i) => shiftE(c, i, op, i.opSize, 1)) as H,
    [`${name}EbCL`]: ((c, i) => shiftE(c, i, op, 1, c.r[1]! & 0xff)) as H,
    [`${name}EvCL`]: ((c, i) => shiftE(c, i, op, i.opSize, c.r[1]! & 0xff)) as H,
  } as Record<`${N}${'EbIb' | 'EvIb' | 'Eb1' | 'Ev1' | 'EbCL' | 'EvCL'}`, H>;
}

/** SHLD/SHRD Ev,Gv,count: the r/m operand shifted with bits from the reg operand. */
function doubleShift(c: CpuState, i: Insn, left: boolean, count: number): void {
  const size = i.opSize;
  const w = size * 8;
  const n = count & (size === 8 ? 0x3f : 0x1f);
  const rex = i.rex !== 0;
  if (n === 0) {
    // A zero count still writes a 32-bit register back (bits 63:32 cleared), as for group 2 above.
    if (size === 4 && i.mod === 3) setReg(c, i.rm, 4, getReg(c, i.rm, 4, rex), rex);
    return;
  }
  const lin = i.mod === 3 ? 0 : eaLinear(c, i, size);
  const dst = i.mod === 3 ? getReg(c, i.rm, size, rex) : readLin(c, lin, size);
  const d = size === 8 ? big(dst, c.hi32) : BigInt(dst);
  const srcLo = readG(c, i, size);
  const s = size === 8 ? big(srcLo, c.hi32) : BigInt(srcLo);
  const W = BigInt(w);
  const N = BigInt(n);
  const mask = (1n << W) - 1n;
  // 16-bit operands with counts above 16 behave as a shift of the 48-bit s:d:s pattern (undefined).
  const wide = left ? (d << W) | s : (s << W) | d;
  const r = left ? ((wide << N) >> W) & mask : (wide >> N) & mask;
  const cf = left ? Number((d >> (W - N)) & 1n) : Number((d >> (N - 1n)) & 1n);
  const of = Number(((r ^ d) >> (W - 1n)) & 1n);
  settleFlags(c);
  let f = (cf ? FLAG.CF : 0) | (of ? FLAG.OF : 0) | (szp(Number(r & 0xffn), 1) & FLAG.PF);
  if (r === 0n) f |= FLAG.ZF;
  if ((r >> (W - 1n)) & 1n) f |= FLAG.SF;
  const lo = Number(r & 0xffffffffn);
  const hi = Number((r >> 32n) & 0xffffffffn) | 0;
  if (i.mod === 3) setReg(c, i.rm, size, lo, rex, hi);
  else writeLin(c, lin, size, lo, hi);
  c.flagsBits = (c.flagsBits & ~ARITH_FLAGS) | f;
}

const ibOf = (i: Insn) => (typeof i.imm === 'number' ? i.imm : Number(i.imm)) & 0xff;

export const shiftHandlers = {
  ...grp2('rol', SHIFT.rol),
  ...grp2('ror', SHIFT.ror),
  ...grp2('rcl', SHIFT.rcl),
  ...grp2('rcr', SHIFT.rcr),
  ...grp2('shl', SHIFT.shl),
  ...grp2('shr', SHIFT.shr),
  ...grp2('sar', SHIFT.sar),
  shldEvGvIb: (c: CpuState, i: Insn) => doubleShift(c, i, true, ibOf(i)),
  shldEvGvCL: (c: CpuState, i: Insn) => doubleShift(c, i, true, c.r[1]! & 0xff),
  shrdEvGvIb: (c: CpuState, i: Insn) => doubleShift(c, i, false, ibOf(i)),
  shrdEvGvCL: (c: CpuState, i: Insn) => doubleShift(c, i, false, c.r[1]! & 0xff),
};
