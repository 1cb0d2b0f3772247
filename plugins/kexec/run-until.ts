/**
 * Runs the machine until a guest-visible condition holds, within an instruction budget. A run that
 * does not get there never hangs: it ends with what stopped it and every vCPU's state.
 */
import type { Machine } from '../../core/index.ts';

export type RunOutcome = { kind: 'done' } | { kind: 'stuck'; why: string };

/** "cpu0 running at 0x10000b8 (long64), cpu1 ap-reset-hold ..." with runs of equal states folded. */
export function vcpuStates(machine: Machine): string {
  const parts: string[] = [];
  let i = 0;
  const vs = machine.vcpus;
  while (i < vs.length) {
    const v = vs[i]!;
    const where = `${v.state} at ${v.cpu.getReg('cs').toString(16)}:${v.cpu.getReg('rip').toString(16)} (${v.cpu.mode()})`;
    let j = i + 1;
    while (j < vs.length && vs[j]!.state === v.state && vs[j]!.cpu.getReg('rip') === v.cpu.getReg('rip')) j++;
    parts.push(`${j - i > 1 ? `cpu${i}-cpu${j - 1}` : `cpu${i}`} ${where}`);
    i = j;
  }
  return parts.join('; ');
}

export function runUntil(machine: Machine, what: string, until: () => boolean, budget: number): RunOutcome {
  if (until()) return { kind: 'done' };
  const stop = machine.run({ maxInstructions: budget, until });
  if (stop.kind === 'until') return { kind: 'done' };
  const why =
    stop.kind === 'budget'
      ? `not within ${stop.instructions} instructions`
      : stop.kind === 'idle'
        ? 'every vCPU stopped (idle)'
        : stop.kind === 'terminated'
          ? `the VM terminated: ${stop.reason}`
          : `the run stopped (${stop.kind})`;
  return { kind: 'stuck', why: `${what}: ${why}; vCPUs: ${vcpuStates(machine)}` };
}
