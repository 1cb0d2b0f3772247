/**
 * Operand access shared by the handlers (Blink's modrm.h): effective addresses, the r/m and reg
 * operands by size, immediates, and the stack. Values are unsigned numbers for 1, 2 and 4 bytes; an
 * 8-byte value travels as bits 31:0 plus `c.hi32` for bits 63:32, so no handler allocates.
 */
import { linear, read, readLin, write, writeLin } from '../access.ts';
import type { Insn } from '../insn.ts';
import { type CpuState, SEGS } from '../state.ts';

export const TWO32 = 4294967296;

/** A 64-bit register as a signed number (exact below 2^53: addresses and counters). */
export function reg64(c: CpuState, n: number): number {
  return c.rh[n]! * TWO32 + (c.r[n]! >>> 0);
}

/** Set a 64-bit register from a signed or unsigned number below 2^53 in magnitude. */
export function setReg64(c: CpuState, n: number, v: number): void {
  c.r[n] = v;
  c.rh[n] = Math.floor(v / TWO32);
}

export function getReg(c: CpuState, n: number, size: number, rex: boolean): number {
  switch (size) {
    case 1:
      return rex || n < 4 ? c.r[n]! & 0xff : (c.r[n - 4]! >> 8) & 0xff;
    case 2:
      return c.r[n]! & 0xffff;
    case 4:
      return c.r[n]! >>> 0;
    default:
      c.hi32 = c.rh[n]!;
      return c.r[n]! >>> 0;
  }
}

/** Architectural write-back: 8/16-bit keep the rest, 32-bit zeroes 63:32, 64-bit takes `hi`. */
export function setReg(c: CpuState, n: number, size: number, v: number, rex: boolean, hi = 0): void {
  switch (size) {
    case 1:
      if (rex || n < 4) c.r[n] = (c.r[n]! & ~0xff) | (v & 0xff);
      else c.r[n - 4] = (c.r[n - 4]! & ~0xff00) | ((v & 0xff) << 8);
      return;
    case 2:
      c.r[n] = (c.r[n]! & ~0xffff) | (v & 0xffff);
      return;
    case 4:
      c.r[n] = v;
      c.rh[n] = 0;
      return;
    default:
      c.r[n] = v;
      c.rh[n] = hi;
  }
}

/** Effective address (the offset within the segment), truncated to the address size. */
export function ea(c: CpuState, i: Insn): number {
  switch (i.addrSize) {
    case 2: {
      let a = i.disp;
      if (i.base >= 0) a += c.r[i.base]!;
      if (i.index >= 0) a += c.r[i.index]!;
      return a & 0xffff;
    }
    case 4: {
      let a = i.disp;
      if (i.base >= 0) a += c.r[i.base]!;
      if (i.index >= 0) a += c.r[i.index]! * i.scale;
      if (i.ripRelative) a += c.rip;
      return a >>> 0;
    }
    default: {
      let a = i.ripRelative ? c.rip + i.disp : i.disp;
      if (i.base >= 0) a += reg64(c, i.base);
      if (i.index >= 0) a += reg64(c, i.index) * i.scale;
      return a;
    }
  }
}

/** The segment of a memory operand: the override, else SS for rBP/rSP bases, else DS. */
export function segOf(i: Insn): number {
  if (i.segOverride >= 0) return i.segOverride;
  return i.base === 4 || i.base === 5 ? SEGS.SS : SEGS.DS;
}

/** Linear address of the memory operand for an access of `size` bytes. */
export function eaLinear(c: CpuState, i: Insn, size: number): number {
  return linear(c, segOf(i), ea(c, i), size);
}

export function readE(c: CpuState, i: Insn, size: number): number {
  if (i.mod === 3) return getReg(c, i.rm, size, i.rex !== 0);
  return read(c, segOf(i), ea(c, i), size);
}

export function writeE(c: CpuState, i: Insn, size: number, v: number, hi = 0): void {
  if (i.mod === 3) setReg(c, i.rm, size, v, i.rex !== 0, hi);
  else write(c, segOf(i), ea(c, i), size, v, hi);
}

export function readG(c: CpuState, i: Insn, size: number): number {
  return getReg(c, i.reg, size, i.rex !== 0);
}

export function writeG(c: CpuState, i: Insn, size: number, v: number, hi = 0): void {
  setReg(c, i.reg, size, v, i.rex !== 0, hi);
}

/** The register encoded in opcode bits 2:0 extended by REX.B (the SDM's "Z" operands). */
export function zReg(i: Insn): number {
  return (i.opcode & 7) | ((i.rex & 1) << 3);
}

/** The first immediate masked to `size` bytes; for 8 bytes `c.hi32` gets the sign extension. */
export function immOf(c: CpuState, i: Insn, size: number): number {
  const v = typeof i.imm === 'bigint' ? Number(BigInt.asIntN(32, i.imm)) : i.imm;
  switch (size) {
    case 1:
      return v & 0xff;
    case 2:
      return v & 0xffff;
    case 4:
      return v >>> 0;
    default:
      if (typeof i.imm === 'bigint') {
        c.hi32 = Number(BigInt.asIntN(32, i.imm >> 32n));
        return Number(BigInt.asUintN(32, i.imm));
      }
      c.hi32 = v < 0 ? -1 : Math.floor(v / TWO32);
      return v >>> 0;
  }
}

/** Operand size of a "v" operand, or 1 for byte forms. */
export function sizeOf(i: Insn): number {
  return i.opSize;
}

// ---- the stack (APM Vol. 1, 2.4 "Stack Operation"): the address size is SS.B, or 64 in 64-bit mode.

export function getSp(c: CpuState): number {
  switch (c.stackSize) {
    case 2:
      return c.r[4]! & 0xffff;
    case 4:
      return c.r[4]! >>> 0;
    default:
      return reg64(c, 4);
  }
}

export function setSp(c: CpuState, v: number): void {
  switch (c.stackSize) {
    case 2:
      c.r[4] = (c.r[4]! & ~0xffff) | (v & 0xffff);
      return;
    case 4:
      c.r[4] = v;
      return;
    default:
      setReg64(c, 4, v);
  }
}

function wrapSp(c: CpuState, v: number): number {
  return c.stackSize === 2 ? v & 0xffff : c.stackSize === 4 ? v >>> 0 : v;
}

/** PUSH of `size` bytes (bits 63:32 in `hi` for 8); the write comes first so a fault changes nothing. */
export function push(c: CpuState, size: number, v: number, hi = 0): void {
  const sp = wrapSp(c, getSp(c) - size);
  write(c, SEGS.SS, sp, size, v, hi);
  setSp(c, sp);
}

/** POP: returns the value (bits 63:32 in c.hi32 for 8) and moves the stack pointer. */
export function pop(c: CpuState, size: number): number {
  const sp = getSp(c);
  const v = read(c, SEGS.SS, sp, size);
  setSp(c, wrapSp(c, sp + size));
  return v;
}

/** Read the stack `offset` bytes above the top without popping. */
export function peek(c: CpuState, size: number, offset: number): number {
  return read(c, SEGS.SS, wrapSp(c, getSp(c) + offset), size);
}

/** Raw linear access helpers re-exported for handlers that compute an address once (RMW). */
export { readLin, writeLin };
