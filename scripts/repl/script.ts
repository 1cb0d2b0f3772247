import { execute } from './execute.ts';
import { eventLine } from './format/event-line.ts';
import type { Session } from './session.ts';

export interface ScriptOptions {
  /** Where the lines come from, for error messages (`poke.repl`, `stdin`). */
  source: string;
  keepGoing: boolean;
  /** Also print the events each command appended to the log. */
  events: boolean;
  out(text: string): void;
  err(text: string): void;
}

/**
 * Runs commands without the UI: prints each command's output; an error is `SOURCE:LINE: message` on
 * stderr and ends the run (status 1) unless `keepGoing`, which still ends with status 1.
 */
export async function runScript(
  session: Session,
  lines: readonly string[],
  o: ScriptOptions,
): Promise<number> {
  let failed = false;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const before = session.machine.log.length;
    const r = await execute(session, line);
    if (r.kind === 'empty') continue;
    session.history.push(line.trim());
    if (o.events) for (const e of session.machine.log.events.slice(before)) o.out(eventLine(e));
    if (r.kind === 'error') {
      o.err(`${o.source}:${n + 1}: ${r.message}`);
      failed = true;
      if (!o.keepGoing) return 1;
      continue;
    }
    if (r.text !== '') o.out(r.text);
    if (r.kind === 'quit') break;
  }
  return failed ? 1 : 0;
}
