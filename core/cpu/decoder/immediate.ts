/**
 * Immediates by kind (Intel SDM Vol. 2 appendix A.2.2 operand types b/w/z/v, A.2.1 methods A/I/J/O).
 * Iz is 16 or 32 bits by operand size and sign-extended to 64 (SDM 2.2.1.5); Iv is the only form with
 * 64 bits (MOV r64, imm64); moffs follows the address size (SDM MOV 88-8E "moffs").
 */
import type { Insn } from '../insn.ts';
import { IMM, type ImmKind } from '../opcodes/row.ts';
import { END } from './errors.ts';

function u16(buf: Uint8Array, p: number): number {
  return buf[p]! | (buf[p + 1]! << 8);
}
function s32(buf: Uint8Array, p: number): number {
  return buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
}
function u64(buf: Uint8Array, p: number): bigint {
  return (BigInt(s32(buf, p + 4) >>> 0) << 32n) | BigInt(s32(buf, p) >>> 0);
}

/** Bytes of immediate for a kind at the instruction's operand and address size. */
export function immSize(kind: ImmKind, opSize: number, addrSize: number): number {
  switch (kind) {
    case IMM.NONE:
      return 0;
    case IMM.IB:
    case IMM.IBS:
      return 1;
    case IMM.IW:
    case IMM.IBIB:
      return 2;
    case IMM.IZ:
      return opSize === 2 ? 2 : 4;
    case IMM.IV:
      return opSize;
    case IMM.IWIB:
      return 3;
    case IMM.AP:
      return opSize === 2 ? 4 : 6;
    case IMM.MOFFS:
      return addrSize;
    case IMM.ID:
      return 4;
  }
}

export function scanImmediate(buf: Uint8Array, p: number, stop: number, insn: Insn, kind: ImmKind): number {
  const size = immSize(kind, insn.opSize, insn.addrSize);
  if (p + size > stop) return END;
  switch (kind) {
    case IMM.NONE:
      break;
    case IMM.IB:
      insn.imm = buf[p]!;
      break;
    case IMM.IBS:
      insn.imm = (buf[p]! << 24) >> 24;
      break;
    case IMM.IW:
      insn.imm = u16(buf, p);
      break;
    case IMM.IZ:
      insn.imm = size === 2 ? (u16(buf, p) << 16) >> 16 : s32(buf, p);
      break;
    case IMM.IV:
      insn.imm = size === 2 ? u16(buf, p) : size === 4 ? s32(buf, p) >>> 0 : u64(buf, p);
      break;
    case IMM.IWIB:
      insn.imm = u16(buf, p);
      insn.imm2 = buf[p + 2]!;
      break;
    case IMM.AP:
      insn.imm = size === 4 ? u16(buf, p) : s32(buf, p) >>> 0;
      insn.imm2 = u16(buf, p + size - 2);
      break;
    case IMM.MOFFS:
      insn.imm = size === 2 ? u16(buf, p) : size === 4 ? s32(buf, p) >>> 0 : u64(buf, p);
      break;
    case IMM.IBIB:
      insn.imm = buf[p]!;
      insn.imm2 = buf[p + 1]!;
      break;
    case IMM.ID:
      insn.imm = s32(buf, p) >>> 0;
      break;
  }
  return p + size;
}
