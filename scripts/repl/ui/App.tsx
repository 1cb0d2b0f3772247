import { Box, useApp, useWindowSize } from 'ink';
import { useRef, useState } from 'react';
import { complete } from '../complete.ts';
import { execute } from '../execute.ts';
import { appendHistory } from '../history.ts';
import type { Session } from '../session.ts';
import { inColumns } from '../view/columns.ts';
import { type ConsoleState, consoleAppend, consoleScroll, emptyConsole } from '../view/console.ts';
import { layout } from '../view/layout.ts';
import { Console } from './Console.tsx';
import { EventLog } from './EventLog.tsx';
import { GhcbView } from './GhcbView.tsx';
import { Header } from './Header.tsx';
import { MemoryView } from './MemoryView.tsx';
import { PROMPT, Prompt } from './Prompt.tsx';
import { Registers } from './Registers.tsx';
import { usePrompt } from './use-prompt.ts';
import { useSessionVersion } from './use-session-version.ts';
import { VcpuTable } from './VcpuTable.tsx';

export interface AppProps {
  session: Session;
  /** Earlier commands for up/down, oldest first. */
  history: readonly string[];
  /** Where each entered command is appended, or null to keep history in memory only. */
  historyFile: string | null;
  /** Lines for the console before the first prompt. */
  notes?: readonly string[];
}

export const welcome = (s: Session) =>
  `sevlab repl: ${s.machine.vcpus.length} vCPUs, ${s.sevEs ? 'SEV-ES' : 'no SEV'}. Type help for the commands, quit to leave.`;

/** The full-terminal REPL: panes above, console and prompt below, all sized from the terminal. */
export function App({ session, history, historyFile, notes = [] }: AppProps) {
  const { columns, rows } = useWindowSize();
  const L = layout(columns, rows);
  const { exit } = useApp();
  useSessionVersion(session);
  const [cons, setCons] = useState<ConsoleState>(() =>
    consoleAppend(emptyConsole, [welcome(session), ...notes].join('\n')),
  );
  const print = (text: string) => setCons((c) => consoleAppend(c, text));
  const queue = useRef(Promise.resolve());

  const run = async (line: string) => {
    const r = await execute(session, line);
    if (r.kind === 'empty') return;
    if (r.kind === 'error') print(`error: ${r.message}`);
    else if (r.text !== '') print(r.text);
    if (r.kind === 'quit') exit();
  };

  const line = usePrompt(history, {
    onSubmit: (text) => {
      print(`${PROMPT}${text}`);
      if (text.trim() === '') {
        // gdb: an empty line runs step, continue or x again (x going on after what it showed).
        const again = session.repeatLine;
        if (again !== null) queue.current = queue.current.then(() => run(again));
        return;
      }
      session.history.push(text);
      if (historyFile !== null) appendHistory(historyFile, text);
      // Commands run one after another, in the order they were entered.
      queue.current = queue.current.then(() => run(text));
    },
    onComplete: (text) => {
      const c = complete(session, text);
      if (c.candidates.length > 1) print(inColumns(c.candidates, L.columns).join('\n'));
      return c.line;
    },
    onScroll: (pages) =>
      setCons((c) => consoleScroll(c, pages * Math.max(1, L.console - 2), L.console, L.columns)),
    onInterrupt: (text) => {
      if (session.busy) session.interruptRequested = true;
      else print(`${PROMPT}${text}^C`);
    },
    onEof: () => exit(),
  });

  return (
    <Box flexDirection="column" width={L.columns} height={L.height}>
      <Header session={session} width={L.columns} />
      <Box flexDirection="row" height={L.top}>
        <VcpuTable session={session} width={L.vcpuWidth} height={L.top} />
        <Registers session={session} width={L.regsWidth} height={L.top} />
        <GhcbView session={session} width={L.ghcbWidth} height={L.top} />
      </Box>
      <Box flexDirection="row" height={L.middle}>
        <MemoryView session={session} width={L.memoryWidth} height={L.middle} />
        <EventLog session={session} width={L.logWidth} height={L.middle} />
      </Box>
      <Console state={cons} width={L.columns} height={L.console} />
      <Prompt line={line} width={L.columns} busy={session.busy} />
    </Box>
  );
}
