import { writeFileSync } from 'node:fs';
import { CommandError } from '../../../core/index.ts';
import { eventLine, lastMatching } from '../format/event-line.ts';
import { arg } from '../grammar.ts';
import { hex } from '../numbers.ts';
import { type CommandRow, row } from '../row.ts';
import { runScenario } from '../scenario.ts';
import { helpRows } from './help.ts';

const LOG_LINES = 200;
const COMPARE = {
  '==': (a: bigint, b: bigint) => a === b,
  '!=': (a: bigint, b: bigint) => a !== b,
  '<': (a: bigint, b: bigint) => a < b,
  '<=': (a: bigint, b: bigint) => a <= b,
  '>': (a: bigint, b: bigint) => a > b,
  '>=': (a: bigint, b: bigint) => a >= b,
} as const;

const NAME_RE = /^[A-Za-z0-9_.-]+$/;

export const sessionRows: readonly CommandRow[] = [
  ...helpRows,
  row({
    name: 'snapshot',
    group: 'session',
    args: [arg.opt(arg.word('NAME'))],
    summary: 'save the whole machine under a name (without NAME: list snapshots)',
    example: 'snapshot before-sipi',
    run: (a, s) => {
      if (!a.has('NAME')) return s.snapshots.size ? [...s.snapshots.keys()].join('\n') : 'no snapshots';
      const name = a.text('NAME');
      if (!NAME_RE.test(name))
        throw new CommandError(
          `snapshot names use letters, digits, _ . - (got '${name}'); example: snapshot before-sipi`,
        );
      s.snapshots.set(name, s.machine.snapshot());
      return `snapshot ${name} at ${s.machine.instructions} instructions, event #${s.machine.log.length}`;
    },
  }),
  row({
    name: 'restore',
    group: 'session',
    args: [arg.word('NAME')],
    summary: 'put the machine back as it was at a snapshot (the event log keeps what happened since)',
    example: 'restore before-sipi',
    run: (a, s) => {
      const name = a.text('NAME');
      const snap = s.snapshots.get(name);
      if (!snap) {
        const have = [...s.snapshots.keys()].join(', ') || 'none';
        throw new CommandError(
          `there is no snapshot '${name}' (have: ${have}); example: restore before-sipi`,
        );
      }
      s.machine.restore(snap);
      s.machine.log.append({ kind: 'log', vcpu: null, source: 'repl', message: `restored snapshot ${name}` });
      return `restored ${name}`;
    },
  }),
  row({
    name: 'log',
    group: 'session',
    args: [arg.opt(arg.word('FILTER'))],
    summary:
      'print the event log and filter its pane: an event kind (vmgexit, msr-proto, ipi), cpuN or any text',
    example: 'log vmgexit',
    run: (a, s) => {
      s.logFilter = a.has('FILTER') ? a.text('FILTER') : null;
      const events = lastMatching(s.machine.log.events, s.logFilter, LOG_LINES);
      if (events.length === 0) return s.logFilter ? `no events match '${s.logFilter}'` : 'the log is empty';
      return events.map(eventLine).join('\n');
    },
  }),
  row({
    name: 'save-log',
    group: 'session',
    args: [arg.file()],
    summary: 'write the event log to a file: JSON lines, or text lines for a .txt/.log file',
    example: 'save-log trace.jsonl',
    run: (a, s) => {
      const file = a.text('FILE');
      const log = s.machine.log;
      const text = /\.(txt|log)$/.test(file)
        ? log.events.map((e) => `${eventLine(e)}\n`).join('')
        : log.toJsonl();
      try {
        writeFileSync(file, text);
      } catch (e) {
        throw new CommandError(
          `cannot write ${file}: ${(e as Error).message}; example: save-log trace.jsonl`,
        );
      }
      return `wrote ${log.length} events to ${file}`;
    },
  }),
  row({
    name: 'scenario run',
    group: 'session',
    args: [arg.file()],
    summary: "run a scenario file's steps on its own machine, then work on that machine",
    example: 'scenario run scenarios/jump-table/table-get-zero.yaml',
    run: (a, s) => runScenario(s, a.text('FILE')),
  }),
  row({
    name: 'assert',
    group: 'session',
    args: [arg.value('A'), arg.choice('OP', Object.keys(COMPARE)), arg.value('B')],
    summary: 'fail (a script stops) unless the comparison holds',
    example: 'assert u32[0x1000] == 0xdeadbeef',
    run: (a) => {
      const op = a.text('OP') as keyof typeof COMPARE;
      const [x, y] = [a.bigint('A'), a.bigint('B')];
      if (!COMPARE[op](x, y))
        throw new CommandError(
          `assertion failed: ${hex(x)} ${op} ${hex(y)} is false; example: assert u32[0x1000] == 0xdeadbeef`,
        );
      return `ok: ${hex(x)} ${op} ${hex(y)}`;
    },
  }),
  row({
    name: 'echo',
    group: 'session',
    args: [arg.rest('TEXT')],
    summary: 'print the words (scripts)',
    example: 'echo step 2: release the APs',
    run: (a) => a.words('TEXT').join(' '),
  }),
  row({
    name: 'history',
    group: 'session',
    args: [arg.opt(arg.number('N'))],
    summary: 'the last N commands of this session (default 20)',
    example: 'history 5',
    run: (a, s) => {
      const n = a.int('N', 20);
      const from = Math.max(0, s.history.length - n);
      return s.history
        .slice(from)
        .map((l, i) => `${String(from + i + 1).padStart(4)}  ${l}`)
        .join('\n');
    },
  }),
  row({
    name: 'quit',
    aliases: ['q', 'exit'],
    group: 'session',
    args: [],
    summary: 'leave the REPL',
    example: 'quit',
    run: (_a, s) => {
      s.quitRequested = true;
      return 'bye';
    },
  }),
];
