/** The one opcode table: decode attributes, interpreter keys and disassembly text in one row each. */
import { MAP_0F } from './map0f.ts';
import { MAP_0F3A, MAP_0F38 } from './map0f38.ts';
import { PRIMARY } from './primary.ts';
import type { KeysOf, Row } from './row.ts';

export { GRP7 } from './groups.ts';
export { MAP_0F } from './map0f.ts';
export { MAP_0F3A, MAP_0F38 } from './map0f38.ts';
export { PRIMARY } from './primary.ts';
export type { ImmKind, KeysOf, Row, Select } from './row.ts';
export { ATTR, IMM, SELECT } from './row.ts';

/**
 * Every interpreter handler key, in the manual's operand form (`movEvGv`, `jccJb`). The interpreter's
 * `handlers: Record<ExecKey, Handler>` is checked against this union, so a row without a handler is a
 * type error, not a runtime surprise.
 */
export type ExecKey =
  | KeysOf<typeof PRIMARY>
  | KeysOf<typeof MAP_0F>
  | KeysOf<typeof MAP_0F38>
  | KeysOf<typeof MAP_0F3A>;

/** A row as the decoder hands it over (`Insn.op`): always a leaf. */
export type OpcodeRow = Row<ExecKey>;

export const OPCODE_MAPS = {
  primary: PRIMARY as readonly OpcodeRow[],
  '0f': MAP_0F as readonly OpcodeRow[],
  '0f38': MAP_0F38 as readonly OpcodeRow[],
  '0f3a': MAP_0F3A as readonly OpcodeRow[],
} as const;

/** Every exec key in the table, once, in table order (for handler-coverage checks and listings). */
export function execKeys(): ExecKey[] {
  const seen = new Set<ExecKey>();
  const walk = (row: OpcodeRow | null): void => {
    if (row === null) return;
    if (row.exec !== null) seen.add(row.exec);
    for (const r of row.sub) walk(r);
  };
  for (const map of Object.values(OPCODE_MAPS)) for (const r of map) walk(r);
  return [...seen];
}
