import { render } from 'ink';
import { historyFile, readHistory } from '../history.ts';
import type { Session } from '../session.ts';
import { App } from './App.tsx';

/** Runs the full-screen REPL until quit; returns the exit status. */
export async function startUi(
  session: Session,
  notes: readonly string[],
  historyOption?: string,
): Promise<number> {
  const file = historyFile(historyOption);
  const app = render(<App session={session} history={readHistory(file)} historyFile={file} notes={notes} />, {
    exitOnCtrlC: false,
    // A terminal is interactive even where Ink's own guess (is-in-ci) says otherwise: with CI set in
    // the environment, Ink would draw nothing until exit.
    interactive: process.stdout.isTTY === true,
    alternateScreen: true,
    maxFps: 60,
  });
  await app.waitUntilExit();
  return 0;
}
