/**
 * The decoded instruction: the contract between the decoder (`decoder/`), the interpreter (`exec/`),
 * the disassembler and the MMIO #VC handler. The decoder fills it from raw bytes; nothing else
 * re-parses instruction bytes.
 */

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
  /** Raw REX byte (0x40-0x4F) or 0. */
  rex: number;
  map: OpcodeMap;
  /** Opcode byte within its map. */
  opcode: number;
  /** ModRM fields, already extended by REX.R / REX.B (reg, rm in 0..15); hasModrm false: all -1. */
  hasModrm: boolean;
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
  /** First immediate, sign- or zero-extended as the form requires; bigint only for MOV r64, imm64. */
  imm: number | bigint;
  /** Second immediate (ENTER's imm8, far pointer's selector). */
  imm2: number;
}
