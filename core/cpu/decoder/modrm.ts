/**
 * ModRM, SIB and displacement (Intel SDM Vol. 2 2.1.5, tables 2-1 to 2-3; AMD APM Vol. 3 1.4).
 * `scanModrm` reads the ModRM byte only, because group opcodes pick their row by ModRM.reg/mod/rm
 * before the rest of the operand is known; `scanAddress` then reads SIB and displacement.
 */
import type { Insn } from '../insn.ts';
import { END } from './errors.ts';

/** Reads the ModRM byte at `p`; reg and rm are extended by REX.R / REX.B. */
export function scanModrm(buf: Uint8Array, p: number, stop: number, insn: Insn): number {
  if (p >= stop) return END;
  const b = buf[p]!;
  insn.hasModrm = true;
  insn.mod = b >> 6;
  insn.reg = ((b >> 3) & 7) | ((insn.rex & 4) << 1);
  insn.rm = (b & 7) | ((insn.rex & 1) << 3);
  return p + 1;
}

/** 16-bit addressing (SDM table 2-1): base and index register of each rm; rm 6 with mod 0 is disp16. */
const BASE16 = [3, 3, 5, 5, 6, 7, 5, 3] as const; // BX BX BP BP SI DI BP BX
const INDEX16 = [6, 7, 6, 7, -1, -1, -1, -1] as const; // SI DI SI DI

function disp8(buf: Uint8Array, p: number): number {
  return (buf[p]! << 24) >> 24;
}
function disp16(buf: Uint8Array, p: number): number {
  return ((buf[p]! | (buf[p + 1]! << 8)) << 16) >> 16;
}
function disp32(buf: Uint8Array, p: number): number {
  return buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
}

/** Reads a displacement of `size` bytes (0, 1, 2 or 4) into insn.disp. */
function scanDisp(buf: Uint8Array, p: number, stop: number, insn: Insn, size: number): number {
  if (p + size > stop) return END;
  insn.disp = size === 0 ? 0 : size === 1 ? disp8(buf, p) : size === 2 ? disp16(buf, p) : disp32(buf, p);
  return p + size;
}

/** The memory operand of a ModRM with mod != 11b: SIB, displacement, RIP-relative. */
export function scanAddress(buf: Uint8Array, p: number, stop: number, insn: Insn): number {
  const mod = insn.mod;
  const rm3 = insn.rm & 7;
  if (insn.addrSize === 2) {
    if (mod === 0 && rm3 === 6) return scanDisp(buf, p, stop, insn, 2);
    insn.base = BASE16[rm3]!;
    insn.index = INDEX16[rm3]!;
    return scanDisp(buf, p, stop, insn, mod === 0 ? 0 : mod === 1 ? 1 : 2);
  }
  let dispSize = mod === 0 ? 0 : mod === 1 ? 1 : 4;
  if (rm3 === 4) {
    // SIB: index 100b without REX.X means no index; base 101b with mod 00 means disp32, no base.
    if (p >= stop) return END;
    const sib = buf[p++]!;
    insn.scale = (1 << (sib >> 6)) as 1 | 2 | 4 | 8;
    const index = ((sib >> 3) & 7) | ((insn.rex & 2) << 2);
    insn.index = index === 4 ? -1 : index;
    if ((sib & 7) === 5 && mod === 0) dispSize = 4;
    else insn.base = (sib & 7) | ((insn.rex & 1) << 3);
  } else if (rm3 === 5 && mod === 0) {
    // No base, disp32; in 64-bit mode relative to the next instruction (SDM 2.2.1.6).
    dispSize = 4;
    insn.ripRelative = insn.codeSize === 64;
  } else {
    insn.base = insn.rm;
  }
  return scanDisp(buf, p, stop, insn, dispSize);
}
