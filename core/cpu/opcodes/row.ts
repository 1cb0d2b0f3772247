/**
 * One row of the opcode table: what the decoder needs (ModRM? which immediate? size rules), what the
 * interpreter dispatches on (`exec`) and what the disassembler prints (`mnemonic`, `operands`).
 * All three read the same row, so decoding, execution and disassembly cannot drift (jsbeeb's one table).
 *
 * Operands are written in the SDM's opcode-map notation (Intel SDM Vol. 2, appendix A.2): an
 * addressing method letter and an operand type, `Ev,Gv`, `AL,Ib`, `Jz`. Two letters the SDM lacks and
 * Blink/XED use: `Z` (register in opcode bits 2:0, extended by REX.B) and `T` (an x87 stack register
 * ST(i) in ModRM.rm). The decode attributes that follow from the operands (ModRM present, immediate
 * kind, byte form) are computed once when the table is built, never on the decode path.
 */

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

/**
 * A table row. `E` is the union of exec keys reachable from the row (its own and its sub-rows'), so
 * the table's type yields the `ExecKey` union the interpreter's handler record is checked against.
 */
export interface Row<E extends string = string> {
  /** Lower-case mnemonic; `a|b|c` picks by operand size 16|32|64 (`cbw|cwde|cdqe`). */
  readonly mnemonic: string;
  /** SDM operand notation, comma-separated; '' for none. */
  readonly operands: string;
  /** Interpreter handler key, in the manual's operand form (`movEvGv`); null: decoded for length only. */
  readonly exec: E | null;
  /** ATTR bits. */
  readonly attrs: number;
  readonly modrm: boolean;
  readonly imm: ImmKind;
  /** Byte form: operand size 1 (`Eb,Gb`, `AL,Ib`). */
  readonly byteForm: boolean;
  readonly select: Select;
  /** Sub-rows for a selecting row (see SELECT); empty for a leaf. */
  readonly sub: readonly (Row<E> | null)[];
  /** Mnemonics by operand size [16, 32, 64] (all equal unless `mnemonic` has `|`). */
  readonly mnemonics: readonly [string, string, string];
}

/** Addressing methods that imply a ModRM byte (SDM A.2.1). */
const MODRM_METHODS = 'CDEGMNPQRSUVWT';

interface Derived {
  modrm: boolean;
  memOnly: boolean;
  imm: ImmKind;
  byteForm: boolean;
}

/** Addressing method and operand type of one operand token, or null for a fixed register / constant. */
function splitOperand(t: string): { method: string; type: string } | null {
  const m = t[0] ?? '';
  const second = t[1] ?? '';
  if (m >= 'A' && m <= 'Z' && (second === '' || (second >= 'a' && second <= 'z'))) {
    return { method: m, type: t.slice(1) };
  }
  return null;
}

const BYTE_REGS = new Set(['AL', 'CL', 'DL', 'BL', 'AH', 'CH', 'DH', 'BH']);

/** What the operands say about decoding (SDM A.2.1 addressing methods, A.2.2 operand types). */
function derive(operands: string, attrs: number): Derived {
  let modrm = false;
  let memOnly = false;
  const imms: string[] = [];
  let sized = 0;
  let bytes = 0;
  for (const t of operands === '' ? [] : operands.split(',')) {
    const op = splitOperand(t);
    if (op === null) {
      // Fixed registers: byte registers make a byte form; DX as an I/O port and '1' say nothing.
      if (BYTE_REGS.has(t)) {
        sized++;
        bytes++;
      } else if (t !== 'DX' && t !== '1' && t !== 'CL') sized++;
      continue;
    }
    if (MODRM_METHODS.includes(op.method)) modrm = true;
    if (op.method === 'M') memOnly = true;
    if ('IJAOL'.includes(op.method)) {
      imms.push(op.method + op.type);
      if (op.method !== 'O') continue;
    }
    if (op.type === '' || op.method === 'F') continue;
    sized++;
    if (op.type === 'b') bytes++;
  }
  return { modrm, memOnly, imm: immKind(imms, attrs), byteForm: sized > 0 && bytes === sized };
}

function immKind(imms: readonly string[], attrs: number): ImmKind {
  const key = imms.join(',');
  switch (key) {
    case '':
      return IMM.NONE;
    case 'Ib':
    case 'Lx':
      return attrs & ATTR.SX ? IMM.IBS : IMM.IB;
    case 'Jb':
      return IMM.IBS;
    case 'Iw':
      return IMM.IW;
    case 'Iz':
    case 'Jz':
      return IMM.IZ;
    case 'Iv':
      return IMM.IV;
    case 'Id':
      return IMM.ID;
    case 'Iw,Ib':
      return IMM.IWIB;
    case 'Ib,Ib':
      return IMM.IBIB;
    case 'Ap':
      return IMM.AP;
    case 'Ob':
    case 'Ov':
      return IMM.MOFFS;
  }
  throw new Error(`opcode table: no immediate kind for operands '${key}'; add it to immKind`);
}

function mnemonicsOf(mnemonic: string): [string, string, string] {
  const parts = mnemonic.split('|');
  if (parts.length === 1) return [mnemonic, mnemonic, mnemonic];
  return [parts[0] ?? mnemonic, parts[1] ?? mnemonic, parts[2] ?? parts[1] ?? mnemonic];
}

/** An instruction row with an interpreter handler. */
export function op<const E extends string>(mnemonic: string, operands: string, exec: E, attrs = 0): Row<E> {
  const d = derive(operands, attrs);
  return {
    mnemonic,
    operands,
    exec,
    attrs: attrs | (d.memOnly ? ATTR.MEM_ONLY : 0),
    modrm: d.modrm,
    imm: d.imm,
    byteForm: d.byteForm,
    select: SELECT.LEAF,
    sub: [],
    mnemonics: mnemonicsOf(mnemonic),
  };
}

/** An instruction decoded for its length and disassembly only (no handler). */
export function len(mnemonic: string, operands = '', attrs = 0): Row<never> {
  const d = derive(operands, attrs);
  return {
    mnemonic,
    operands,
    exec: null,
    attrs: attrs | ATTR.LENGTH_ONLY | (d.memOnly ? ATTR.MEM_ONLY : 0),
    modrm: d.modrm,
    imm: d.imm,
    byteForm: d.byteForm,
    select: SELECT.LEAF,
    sub: [],
    mnemonics: mnemonicsOf(mnemonic),
  };
}

/** No instruction: #UD. `modrm` says whether the hole sits inside a ModRM-bearing map region. */
export function bad(modrm = false): Row<never> {
  return {
    mnemonic: '(bad)',
    operands: '',
    exec: null,
    attrs: ATTR.INVALID,
    modrm,
    imm: IMM.NONE,
    byteForm: false,
    select: SELECT.LEAF,
    sub: [],
    mnemonics: ['(bad)', '(bad)', '(bad)'],
  };
}

/** The exec keys reachable from a list of rows. */
export type KeysOf<T extends readonly (Row<string> | null)[]> = T[number] extends infer R
  ? R extends Row<infer E>
    ? E
    : never
  : never;

function selector<const T extends readonly (Row<string> | null)[]>(
  select: Select,
  sub: T,
  modrm: boolean,
  attrs = 0,
): Row<KeysOf<T>> {
  return {
    mnemonic: '',
    operands: '',
    exec: null,
    attrs,
    modrm,
    imm: IMM.NONE,
    byteForm: false,
    select,
    sub: sub as unknown as readonly (Row<KeysOf<T>> | null)[],
    mnemonics: ['', '', ''],
  };
}

/**
 * An 8-entry ModRM.reg group; the index of each entry goes in a comment on its row. `attrs` apply to
 * the whole opcode (I64 for 82).
 */
export function group<const T extends readonly Row<string>[]>(rows: T, attrs = 0): Row<KeysOf<T>> {
  if (rows.length !== 8) throw new Error(`opcode table: a ModRM.reg group needs 8 rows, got ${rows.length}`);
  return selector(SELECT.REG, rows, true, attrs);
}

/** The same selecting row with extra whole-opcode attributes (82: GRP1 Eb,Ib, invalid in 64-bit mode). */
export function withAttrs<E extends string>(row: Row<E>, attrs: number): Row<E> {
  return { ...row, attrs: row.attrs | attrs };
}

/** Memory-operand row and register-operand (mod == 11b) row. */
export function byMod<const M extends Row<string>, const R extends Row<string>>(
  mem: M,
  reg: R,
): Row<KeysOf<[M, R]>> {
  return selector(SELECT.MOD, [mem, reg], true);
}

/** An 8-entry table by ModRM.rm, for mod == 11b forms. */
export function byRm<const T extends readonly Row<string>[]>(rows: T): Row<KeysOf<T>> {
  if (rows.length !== 8) throw new Error(`opcode table: a ModRM.rm table needs 8 rows, got ${rows.length}`);
  return selector(SELECT.RM, rows, true);
}

/** A copy of a row whose leaves say that a 66 prefix selected them (ATTR.MANDATORY66). */
function as66<E extends string>(row: Row<E>): Row<E> {
  if (row.select === SELECT.LEAF) return { ...row, attrs: row.attrs | ATTR.MANDATORY66 };
  return { ...row, sub: row.sub.map((r) => (r === null ? null : as66(r))) };
}

/** Rows by mandatory prefix; a missing entry falls back to the unprefixed row. */
export function byPrefix<
  const N extends Row<string>,
  const P66 extends Row<string> | null = null,
  const PF3 extends Row<string> | null = null,
  const PF2 extends Row<string> | null = null,
>(none: N, p66?: P66, pf3?: PF3, pf2?: PF2): Row<KeysOf<[N, P66, PF3, PF2]>> {
  const modrm = [none, p66, pf3, pf2].some((r) => r?.modrm);
  const r66 = p66 === undefined || p66 === null ? null : as66(p66);
  return selector(SELECT.PREFIX, [none, r66, pf3 ?? null, pf2 ?? null], modrm);
}

/** Rows by code size: 16/32-bit code, 64-bit code. */
export function byMode<const L extends Row<string>, const R extends Row<string>>(
  legacy: L,
  long: R,
): Row<KeysOf<[L, R]>> {
  return selector(SELECT.MODE, [legacy, long], legacy.modrm || long.modrm);
}
