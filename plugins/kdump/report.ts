/** One-line texts for the commands and steps: what the crash did, what a dump holds. */
import { hex, type Machine } from '../../core/index.ts';
import { OOPS_ENTRIES } from './blob.ts';
import type { CrashOutcome } from './crash.ts';
import { crashState, type KdumpCrash } from './crash-state.ts';
import type { KdumpSession } from './session.ts';
import type { DumpOutcome } from './vmcore.ts';

const cpus = (list: number[]) => (list.length ? list.map((i) => `cpu${i}`).join(' ') : 'none');

export function causeText(c: KdumpCrash['cause']): string {
  if (c.kind === 'sysrq') return 'sysrq-c';
  if (c.kind === 'panic') return `panic: ${c.message}`;
  return `oops ${OOPS_ENTRIES.find((e) => e.vector === c.vector)?.name ?? `vector ${c.vector}`}`;
}

export function crashText(r: CrashOutcome): string {
  if (r.kind === 'failed') return `crash failed: ${r.why}`;
  const c = r.crash;
  return (
    `cpu${c.cpu} crashed (${causeText(c.cause)}); NMI stopped ${cpus(c.stopped)}` +
    `${c.notStopped.length ? `; did not stop: ${cpus(c.notStopped)}` : ''}; ${captureText(c)}`
  );
}

function captureText(c: KdumpCrash): string {
  return `capture kernel running on cpu${c.cpu}${c.captureCpus > 1 ? ` with ${c.captureCpus} CPUs online` : ''}`;
}

export function dumpText(what: string, r: DumpOutcome): string {
  if (r.kind === 'failed') return `${what} failed: ${r.why}`;
  return `${what} ${r.path}: ${r.bytes} bytes (${r.diskBytes} on disk), ${r.segments} PT_LOAD, ${r.notes} notes`;
}

export function statusText(machine: Machine, s: KdumpSession): string {
  const lines = [
    `crashkernel=${s.crashkernel}${s.parkAps ? ', APs park in the jump table' : ''}` +
      `${s.smp ? `, SMP capture kernel (trampoline at ${hex(s.trampoline)})` : ''}`,
  ];
  const l = s.loaded;
  if (!l) lines.push('crash kernel: not loaded (kdump load)');
  else {
    lines.push(
      `crash kernel: loaded at ${hex(l.region.base)}-${hex(l.region.base + l.region.size)}, entry ${hex(l.capture.entry)}`,
      `old kernel ${l.kernel.name}: crash code at ${hex(l.blob)}, crash notes at ${hex(l.notes)}, vmcoreinfo at ${hex(l.vmcoreinfo)}`,
    );
  }
  const state = crashState(machine);
  if (state.kind === 'none') lines.push('crashed: no');
  else if (state.kind === 'crashing') lines.push(`crashed: cpu${state.cpu} is in the crash path`);
  else {
    const c = state.crash;
    lines.push(
      `crashed: cpu${c.cpu} (${causeText(c.cause)}, note by ${c.crashingNoteBy}); stopped by NMI: ${cpus(c.stopped)}`,
      `${captureText(c).replace('capture kernel running', 'capture kernel: running')} (${machine.vcpu(c.cpu).state})`,
    );
  }
  return lines.join('\n');
}
