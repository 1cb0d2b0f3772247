import { readFileSync } from 'node:fs';
import { OptionError, parseReplOptions, REPL_USAGE } from '../repl/options.ts';
import { runScript } from '../repl/script.ts';
import { startSession } from '../repl/start.ts';
import { type Command, UsageError } from './types.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `sevlab repl`: the Ink REPL on a terminal; the same commands from a script or a pipe otherwise. */
export const replCommand: Command = {
  name: 'repl',
  summary:
    'interactive workbench: poke memory and registers, trigger VMGEXITs live (or run a command script)',
  usage: REPL_USAGE,
  async run(argv) {
    let session: Awaited<ReturnType<typeof startSession>>;
    const options = (() => {
      try {
        return parseReplOptions(argv);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    })();
    let script: { source: string; text: string } | null = null;
    if (options.script !== undefined) {
      try {
        script = { source: options.script, text: readFileSync(options.script, 'utf8') };
      } catch (e) {
        throw new UsageError(`cannot read script ${options.script}: ${(e as Error).message}`);
      }
    }
    try {
      session = await startSession(options);
    } catch (e) {
      if (e instanceof OptionError) throw new UsageError(e.message);
      throw e;
    }
    if (script === null && !process.stdin.isTTY) script = { source: 'stdin', text: await readStdin() };
    if (script !== null) {
      for (const n of session.notes) console.error(n);
      return runScript(session.session, script.text.split(/\r?\n/), {
        source: script.source,
        keepGoing: options.keepGoing,
        events: options.events,
        out: (t) => console.log(t),
        err: (t) => console.error(t),
      });
    }
    const { startUi } = await import('../repl/ui/start-ui.tsx');
    return startUi(session.session, session.notes, options.history);
  },
};
