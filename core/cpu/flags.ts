/**
 * RFLAGS and lazy arithmetic flags. ALU instructions record their operands and result; CF PF AF ZF SF
 * OF are computed only when something reads them (Jcc, PUSHF, ADC ...), as Bochs and Blink do. The
 * state lives in the Cpu's `lazy*` fields; `flagsBits` holds every other bit, and the arithmetic bits
 * too while `lazyOp` is LAZY.none.
 */

/** RFLAGS bits (AMD APM Vol. 2, 3.1.6 "RFLAGS Register"). */
export const FLAG = {
  CF: 0x1,
  PF: 0x4,
  AF: 0x10,
  ZF: 0x40,
  SF: 0x80,
  TF: 0x100,
  IF: 0x200,
  DF: 0x400,
  OF: 0x800,
  IOPL: 0x3000,
  NT: 0x4000,
  RF: 0x10000,
  VM: 0x20000,
  AC: 0x40000,
  VIF: 0x80000,
  VIP: 0x100000,
  ID: 0x200000,
} as const;

/** The six status flags ALU instructions write. */
export const ARITH_FLAGS = 0x8d5;
/** Bit 1 always reads as one. */
export const FLAGS_FIXED = 0x2;
/** Bits POPF/IRET may change in 32/64-bit code (IOPL and IF only at CPL 0, which is the only CPL run). */
export const FLAGS_WRITABLE = 0x3f7fd5;

/** Which operation the lazy fields describe. */
export const LAZY = {
  none: 0,
  add: 1,
  adc: 2,
  sub: 3,
  sbb: 4,
  logic: 5,
  inc: 6,
  dec: 7,
} as const;
/**
 * Added to a lazy op by rotates, which change only CF and OF: those two then come from `lazyCfOf`
 * (bit 0 CF, bit 1 OF) while SF ZF AF PF still come from the op's operands and result.
 */
export const LAZY_CFOF = 8;
/** A LAZY value, possibly with LAZY_CFOF added. */
export type LazyOp = number;

/** PF for every byte value: set when the low byte has an even number of one bits. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let bits = 0;
  for (let b = i; b !== 0; b >>= 1) bits += b & 1;
  PARITY[i] = bits & 1 ? 0 : FLAG.PF;
}

/** Sign bit and mask of an operand size in bytes (1, 2, 4). */
export const SIGN_BIT = [0, 0x80, 0x8000, 0, 0x80000000] as const;
export const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffffffff] as const;

/** The fields the lazy-flag code reads and writes; the Cpu implements it. */
export interface FlagState {
  flagsBits: number;
  lazyOp: LazyOp;
  lazyRes: number;
  lazyA: number;
  lazyB: number;
  /** Operand size in bytes (1, 2, 4). */
  lazySize: number;
  /** Carry in for ADC/SBB, and the preserved CF for INC/DEC. */
  lazyCin: number;
  /** CF (bit 0) and OF (bit 1) while lazyOp has LAZY_CFOF. */
  lazyCfOf: number;
}

export function carryFlag(s: FlagState): boolean {
  switch (s.lazyOp) {
    case LAZY.none:
      return (s.flagsBits & FLAG.CF) !== 0;
    case LAZY.add:
      return s.lazyRes < s.lazyA;
    case LAZY.adc:
      return s.lazyRes < s.lazyA || (s.lazyCin !== 0 && s.lazyRes === s.lazyA);
    case LAZY.sub:
      return s.lazyA < s.lazyB;
    case LAZY.sbb:
      return s.lazyA < s.lazyB || (s.lazyCin !== 0 && s.lazyA === s.lazyB);
    case LAZY.logic:
      return false;
    case LAZY.inc:
    case LAZY.dec:
      return s.lazyCin !== 0;
    default:
      return (s.lazyCfOf & 1) !== 0;
  }
}

export function zeroFlag(s: FlagState): boolean {
  return s.lazyOp === LAZY.none ? (s.flagsBits & FLAG.ZF) !== 0 : s.lazyRes === 0;
}

export function signFlag(s: FlagState): boolean {
  return s.lazyOp === LAZY.none ? (s.flagsBits & FLAG.SF) !== 0 : (s.lazyRes & SIGN_BIT[s.lazySize]!) !== 0;
}

export function overflowFlag(s: FlagState): boolean {
  const sign = SIGN_BIT[s.lazySize]!;
  switch (s.lazyOp) {
    case LAZY.none:
      return (s.flagsBits & FLAG.OF) !== 0;
    case LAZY.add:
    case LAZY.adc:
    case LAZY.inc:
      return ((s.lazyA ^ s.lazyRes) & (s.lazyB ^ s.lazyRes) & sign) !== 0;
    case LAZY.sub:
    case LAZY.sbb:
    case LAZY.dec:
      return ((s.lazyA ^ s.lazyB) & (s.lazyA ^ s.lazyRes) & sign) !== 0;
    case LAZY.logic:
      return false;
    default:
      return (s.lazyCfOf & 2) !== 0;
  }
}

export function parityFlag(s: FlagState): boolean {
  return s.lazyOp === LAZY.none ? (s.flagsBits & FLAG.PF) !== 0 : PARITY[s.lazyRes & 0xff] !== 0;
}

/** The six arithmetic flags as RFLAGS bits. */
export function arithFlags(s: FlagState): number {
  if (s.lazyOp === LAZY.none) return s.flagsBits & ARITH_FLAGS;
  let f = PARITY[s.lazyRes & 0xff]!;
  if (carryFlag(s)) f |= FLAG.CF;
  if (s.lazyRes === 0) f |= FLAG.ZF;
  if ((s.lazyRes & SIGN_BIT[s.lazySize]!) !== 0) f |= FLAG.SF;
  if (overflowFlag(s)) f |= FLAG.OF;
  if ((s.lazyOp & ~LAZY_CFOF) !== LAZY.logic && ((s.lazyA ^ s.lazyB ^ s.lazyRes) & 0x10) !== 0) f |= FLAG.AF;
  return f;
}

/** The whole RFLAGS value. */
export function readFlags(s: FlagState): number {
  return ((s.flagsBits & ~ARITH_FLAGS) | arithFlags(s) | FLAGS_FIXED) >>> 0;
}

/** Replace RFLAGS (all bits; callers mask what the instruction may change). */
export function writeFlags(s: FlagState, value: number): void {
  s.flagsBits = ((value & ~0x8028) | FLAGS_FIXED) >>> 0;
  s.lazyOp = LAZY.none;
}

/** Replace only the arithmetic flags named by `mask` with the bits of `value`. */
export function setArithFlags(s: FlagState, mask: number, value: number): void {
  const cur = readFlags(s);
  s.flagsBits = ((cur & ~mask) | (value & mask)) >>> 0;
  s.lazyOp = LAZY.none;
}

/** Materialize the flags (so a following partial update keeps the others). */
export function settleFlags(s: FlagState): void {
  if (s.lazyOp !== LAZY.none) {
    s.flagsBits = readFlags(s);
    s.lazyOp = LAZY.none;
  }
}

/** SZP of a result of `size` bytes (for eagerly computed instructions). */
export function szp(res: number, size: number): number {
  let f = PARITY[res & 0xff]!;
  if ((res & SIZE_MASK[size]!) === 0) f |= FLAG.ZF;
  if ((res & SIGN_BIT[size]!) !== 0) f |= FLAG.SF;
  return f;
}

/**
 * Condition codes in opcode order (the low nibble of Jcc/SETcc/CMOVcc; AMD APM Vol. 3, appendix B
 * "Condition codes"): O NO B AE E NE BE A S NS P NP L GE LE G.
 */
export function condition(s: FlagState, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0:
      r = overflowFlag(s);
      break;
    case 1:
      r = carryFlag(s);
      break;
    case 2:
      r = zeroFlag(s);
      break;
    case 3:
      r = carryFlag(s) || zeroFlag(s);
      break;
    case 4:
      r = signFlag(s);
      break;
    case 5:
      r = parityFlag(s);
      break;
    case 6:
      r = signFlag(s) !== overflowFlag(s);
      break;
    default:
      r = zeroFlag(s) || signFlag(s) !== overflowFlag(s);
      break;
  }
  return (cc & 1) === 0 ? r : !r;
}
