/** The decode attributes of opcode rows: explicit ATTR bits, immediate kinds, row selection. */

/** Decode attributes a row states explicitly (the rest follow from its operands). */
export const ATTR = {
  /** 64-bit mode: operand size defaults to 64 (66 gives 16): push, pop, near branches (SDM "d64"). */
  D64: 1 << 0,
  /** 64-bit mode: operand size is always 64, 66 and REX.W ignored (SDM "f64"). */
  F64: 1 << 1,
  /** Invalid in 64-bit mode (SDM "i64"). */
  I64: 1 << 2,
  /** Valid only in 64-bit mode (SDM "o64"). */
  O64: 1 << 3,
  /** A LOCK prefix is allowed when the destination is memory (SDM Vol. 3 8.1.2.2 / LOCK). */
  LOCK: 1 << 4,
  /** The Ib immediate is sign-extended to the operand size (83, 6A, 6B). */
  SX: 1 << 5,
  /** ModRM.mod is ignored and treated as 11b: MOV to/from CR/DR (SDM MOV-Move to/from Control Registers). */
  MOD3: 1 << 6,
  /** The row is no instruction: #UD. */
  INVALID: 1 << 7,
  /** A 66 prefix selected this row as a mandatory prefix (SSE forms) and does not change operand size. */
  MANDATORY66: 1 << 8,
  /** A row decoded only for its length: no `exec`, the disassembler prints `(unknown)` operands. */
  LENGTH_ONLY: 1 << 9,
  /** A memory-only operand (SDM method M: LEA, LSS, MOVNTI ...): mod == 11b is #UD. Set from the operands. */
  MEM_ONLY: 1 << 10,
} as const;

/** Immediate kinds, by how many bytes follow the ModRM/SIB/displacement. */
export const IMM = {
  NONE: 0,
  /** imm8, zero-extended. */
  IB: 1,
  /** imm8, sign-extended (ATTR.SX, and rel8 Jb). */
  IBS: 2,
  /** imm16, zero-extended (RET Iw). */
  IW: 3,
  /** imm16 or imm32 by operand size, sign-extended to 64 when the operand size is 64 (and Jz). */
  IZ: 4,
  /** imm16/32/64 by operand size: MOV r, imm (B8+r); bigint for 64. */
  IV: 5,
  /** ENTER Iw, Ib. */
  IWIB: 6,
  /** Far pointer Ap: offset (16/32 by operand size) then a 16-bit selector. */
  AP: 7,
  /** moffs (A0-A3): an absolute offset whose size follows the address size. */
  MOFFS: 8,
  /** Two imm8 (SSE4a EXTRQ/INSERTQ). */
  IBIB: 9,
  /** imm32 regardless of operand size (XOP map 0Ah). */
  ID: 10,
} as const;
export type ImmKind = (typeof IMM)[keyof typeof IMM];

/** How a row picks a more specific row; `LEAF` rows are instructions. */
export const SELECT = {
  LEAF: 0,
  /** By ModRM.reg: an 8-entry group table (SDM "Grp1" ...). */
  REG: 1,
  /** By ModRM.mod: sub[0] for a memory operand, sub[1] for mod == 11b. */
  MOD: 2,
  /** By ModRM.rm (mod == 11b forms such as 0F 01 C8 MONITOR): an 8-entry table. */
  RM: 3,
  /** By mandatory prefix: sub[0] none, sub[1] 66, sub[2] F3, sub[3] F2 (null entries fall back to none). */
  PREFIX: 4,
  /** By code size: sub[0] 16/32-bit code, sub[1] 64-bit code (63 ARPL / MOVSXD). */
  MODE: 5,
} as const;
export type Select = (typeof SELECT)[keyof typeof SELECT];
