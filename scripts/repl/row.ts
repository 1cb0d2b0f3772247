import type { ArgSpec, Args } from './grammar.ts';
import type { Session } from './session.ts';

export const GROUPS = ['memory', 'cpu', 'protocol', 'plugins', 'session'] as const;
export type Group = (typeof GROUPS)[number];

/**
 * One row of the command table: the words that name it, its argument grammar, a summary and an
 * example for `help` and for error lines, and what it does. Returns the text to print; bad input
 * throws a CommandError before anything changes.
 */
export interface CommandRow {
  name: string;
  /** Other first words that reach this row (`c` for `continue`). */
  aliases?: readonly string[];
  group: Group;
  args: readonly ArgSpec[];
  summary: string;
  example: string;
  run(args: Args, session: Session): string | Promise<string>;
  /** Completions for the word being typed, after the row's name (plugin commands). */
  complete?(words: string[], session: Session): string[];
  /** The plugin that added the row. */
  owner?: string;
}

export const row = (r: CommandRow): CommandRow => r;
