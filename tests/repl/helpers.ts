import { expect } from 'bun:test';
import { Machine, machineConfig } from '../../core/index.ts';
import { execute, type Outcome } from '../../scripts/repl/execute.ts';
import { Session } from '../../scripts/repl/session.ts';

/** A booted machine in a session; `partial` as machineConfig takes it. */
export function newSession(partial: Parameters<typeof machineConfig>[0] = {}): Session {
  const m = new Machine(machineConfig(partial));
  m.boot();
  return new Session(m);
}

export const run = (s: Session, line: string): Promise<Outcome> => execute(s, line);

/** The output of a command that must succeed. */
export async function ok(s: Session, line: string): Promise<string> {
  const r = await execute(s, line);
  if (r.kind === 'error') throw new Error(`'${line}' failed: ${r.message}`);
  expect(r.kind === 'ok' || r.kind === 'quit').toBe(true);
  return r.kind === 'ok' || r.kind === 'quit' ? r.text : '';
}

/** The one-line message of a command that must fail. */
export async function fails(s: Session, line: string): Promise<string> {
  const r = await execute(s, line);
  if (r.kind !== 'error') throw new Error(`'${line}' should fail but gave: ${JSON.stringify(r)}`);
  return r.message;
}

const replacer = (_k: string, v: unknown) =>
  typeof v === 'bigint'
    ? `${v}n`
    : v instanceof Map
      ? [...v.entries()]
      : v instanceof Uint8Array
        ? Buffer.from(v).toString('hex')
        : v;

/** Everything a command could change: the whole machine (memory included) and the session's state. */
export function fingerprint(s: Session): string {
  return JSON.stringify(
    {
      machine: s.machine.snapshot(),
      log: s.machine.log.length,
      selected: s.selected,
      breakpoints: [...s.breakpoints.keys()],
      snapshots: [...s.snapshots.keys()],
      staged: s.staged,
      memoryView: s.memoryView,
      logFilter: s.logFilter,
    },
    replacer,
  );
}

/**
 * A real-mode program at 0000:7c00 on the selected vCPU:
 *   7c00: b8 34 12   mov ax, 0x1234
 *   7c03: 40         inc ax
 *   7c04: 40         inc ax
 *   7c05: f4         hlt
 */
export const PROGRAM = 'b834124040f4';

export async function loadProgram(s: Session): Promise<void> {
  await ok(s, `wx ${PROGRAM} @ 0x7c00`);
  await ok(s, 'set $cs = 0');
  await ok(s, 'set $rip = 0x7c00');
}
