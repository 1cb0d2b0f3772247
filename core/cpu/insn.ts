/**
 * The decoded instruction: the contract between the decoder (`decoder/`), the interpreter (`exec/`),
 * the disassembler and the MMIO #VC handler. The decoder fills it from raw bytes; nothing else
 * re-parses instruction bytes.
 */

import type { OpcodeRow } from './opcodes/index.ts';

/** Code size of the segment the bytes are decoded in: CS.D / CS.L select it, not CR0.PE alone. */
export type CodeSize = 16 | 32 | 64;

/** Segment register numbers in ModRM.reg order (Intel SDM Vol. 2, table 3-1 "Sreg"). */
export const SEG = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 } as const;
export type SegIndex = (typeof SEG)[keyof typeof SEG];

/** Opcode maps. Legacy maps 0-3; VEX/EVEX/XOP maps keep their own number space. */
export type OpcodeMap = 'primary' | '0f' | '0f38' | '0f3a' | '3dnow' | 'vex' | 'evex' | 'xop';

export interface Insn {
  /** Total length in bytes, prefixes included (at most 15). */
  length: number;
  codeSize: CodeSize;
  /** Effective operand size in bytes for "v"-sized operands after 66/REX.W (1 only for byte forms). */
  opSize: 1 | 2 | 4 | 8;
  /** Effective address size in bytes after 67. */
  addrSize: 2 | 4 | 8;
  /** 0xF2, 0xF3 or 0 (the last of F2/F3 wins, as on hardware). */
  rep: 0 | 0xf2 | 0xf3;
  lock: boolean;
  /** Segment override, or -1 for the default segment of the addressing form. */
  segOverride: SegIndex | -1;
  /**
   * Raw REX byte (0x40-0x4F) or 0. For VEX/EVEX/XOP in 64-bit mode: 0x40 plus the W, R, X, B bits
   * that prefix carries (un-inverted), so ModRM/SIB extension reads one place.
   */
  rex: number;
  map: OpcodeMap;
  /** Opcode byte within its map (for 3DNow! the suffix byte after ModRM). */
  opcode: number;
  /**
   * The table row the bytes decoded to (a leaf of `opcodes/`): `op.exec` is the interpreter's handler
   * key, `op.mnemonic`/`op.operands` the disassembly. Rows with `exec === null` are decoded for length
   * only.
   */
  op: OpcodeRow;
  /** A 66 prefix was present (whether it changed the operand size or served as a mandatory prefix). */
  opSizePrefix: boolean;
  /** A 67 prefix was present. */
  addrSizePrefix: boolean;
  /** VEX/EVEX/XOP opcode map number (VEX/EVEX 1 = 0F, 2 = 0F38, 3 = 0F3A; XOP 8-10), else 0. */
  vexMap: number;
  /** VEX/EVEX/XOP pp field: the implied mandatory prefix (0 none, 1 66, 2 F3, 3 F2), else 0. */
  vexPp: number;
  /** VEX/EVEX/XOP: the extra source register (vvvv, already un-inverted), else -1. */
  vvvv: number;
  /** VEX/EVEX/XOP: vector length field L (0 = 128, 1 = 256, 2 = 512), else 0. */
  vexL: number;
  /**
   * ModRM fields, already extended by REX.R / REX.B (reg, rm in 0..15); hasModrm false: all -1, except
   * that forms with the register in the opcode's low three bits (SDM "+r", operand `Z` in the table:
   * 50+r PUSH, B8+r MOV, C8+r BSWAP, 91+r XCHG) put that register, extended by REX.B, in `rm`.
   */
  hasModrm: boolean;
  /** 3 also for MOV to/from CR/DR (0F 20-23), whose mod bits the processor ignores. */
  mod: number;
  reg: number;
  rm: number;
  /** Memory operand (mod != 3): base and index register numbers (0..15) or -1, scale 1/2/4/8. */
  base: number;
  index: number;
  scale: 1 | 2 | 4 | 8;
  /** Sign-extended displacement. */
  disp: number;
  /** RIP-relative addressing (64-bit mode, mod=00 rm=101): address = next RIP + disp. */
  ripRelative: boolean;
  /**
   * First immediate. Sign-extended: Iz (imm16/imm32 by operand size), the imm8 of 6A/6B/83 and the
   * relative offsets Jb/Jz. Zero-extended: every other Ib, Iw, Iv (B8+r) and moffs (A0-A3, an absolute
   * offset whose width is the address size). bigint (unsigned, 0..2^64-1) only for MOV r64, imm64 and
   * for a 64-bit moffs. Far pointers (Ap): the offset.
   */
  imm: number | bigint;
  /** Second immediate (ENTER's imm8, far pointer's selector, INSERTQ/EXTRQ's second imm8). */
  imm2: number;
}
