/**
 * One row of the opcode table: what the decoder needs (ModRM? which immediate? size rules), what the
 * interpreter dispatches on (`exec`) and what the disassembler prints (`mnemonic`, `operands`).
 * All three read the same row, so decoding, execution and disassembly cannot drift (jsbeeb's one table).
 *
 * Operands are written in the SDM's opcode-map notation (Intel SDM Vol. 2, appendix A.2): an
 * addressing method letter and an operand type, `Ev,Gv`, `AL,Ib`, `Jz`. Two letters the SDM lacks:
 * `Z`, a register in opcode bits 2:0 extended by REX.B (Blink's name, as in OpPushZvq), and `T`, an
 * x87 stack register ST(i) in ModRM.rm. The decode attributes that follow from the operands
 * (operands.ts) are computed once when the table is built, never on the decode path.
 */
import { ATTR, IMM, type ImmKind, SELECT, type Select } from './attributes.ts';
import { derive, mnemonicsOf } from './operands.ts';

export { ATTR, IMM, type ImmKind, SELECT, type Select } from './attributes.ts';

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
