import { CommandError } from '../../core/index.ts';
import { parseArgs } from './grammar.ts';
import { repeatLineOf } from './repeat.ts';
import type { CommandRow } from './row.ts';
import type { Session } from './session.ts';
import { commandTable, matchRow } from './table.ts';
import { tokenize } from './tokenize.ts';

/** What one command line did: a closed union the prompt and the script runner both render. */
export type Outcome =
  | { kind: 'empty' }
  | { kind: 'ok'; text: string }
  | { kind: 'error'; message: string }
  | { kind: 'quit'; text: string };

/** `x: ADDR '$zz' ...; example: x/4xw 0x1000` */
const argError = (r: CommandRow, what: string) =>
  new CommandError(`${r.name}: ${what}; example: ${r.example}`);

/**
 * Runs one line: tokenize, find the row, parse its arguments, run it. Every mistake in the input comes
 * back as one line that says what is wrong and shows the right form, with the session unchanged.
 */
export async function execute(session: Session, line: string): Promise<Outcome> {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return { kind: 'empty' };
  try {
    const words = tokenize(trimmed);
    const { row, rest } = matchRow(commandTable(session), words);
    let args: ReturnType<typeof parseArgs>;
    try {
      args = parseArgs(row.args, rest, session.exprContext());
    } catch (e) {
      throw argError(row, e instanceof Error ? e.message : String(e));
    }
    const text = await row.run(args, session);
    session.repeatLine = repeatLineOf(row.name, words);
    session.changed();
    return session.quitRequested ? { kind: 'quit', text } : { kind: 'ok', text };
  } catch (e) {
    session.changed();
    return { kind: 'error', message: oneLine(e) };
  }
}

function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!;
}
