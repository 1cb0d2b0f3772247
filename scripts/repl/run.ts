import { type CodeSize, decode, disasm, type MachineStop } from '../../core/index.ts';
import { csip, MODE_LABELS, runStateLabel } from './format/vcpu.ts';
import { hex } from './numbers.ts';
import { linearPc, type Session } from './session.ts';

/** Instructions between two looks at the event loop, so the UI can draw and Ctrl+C can stop a run. */
export const RUN_CHUNK = 200_000;

export interface RunRequest {
  budget: number;
  only?: readonly number[];
  /** Ends the run with `{ kind: 'until' }` when true (checked between time slices). */
  until?: () => boolean;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Machine.run in chunks with a yield between them; Ctrl+C (`interruptRequested`) ends it early. */
export async function runChunked(s: Session, req: RunRequest): Promise<{ stop: MachineStop; ran: number }> {
  const m = s.machine;
  const start = m.instructions;
  s.interruptRequested = false;
  s.busy = true;
  try {
    for (;;) {
      const left = req.budget - (m.instructions - start);
      const stop = m.run({
        maxInstructions: Math.min(RUN_CHUNK, Math.max(left, 0)),
        ...(req.only ? { only: req.only } : {}),
        until: () => s.interruptRequested || (req.until?.() ?? false),
      });
      const ran = m.instructions - start;
      if (stop.kind !== 'budget' || ran >= req.budget) return { stop, ran };
      s.changed();
      await tick();
    }
  } finally {
    s.busy = false;
  }
}

/** The instruction at the vCPU's CS:IP as text, or why there is none. */
export function nextInstruction(s: Session, index = s.selected): string {
  const cpu = s.machine.vcpu(index).cpu;
  // Why: at reset CS:IP is f000:fff0 with CS base 0xffff0000, above the RAM of a small machine; the
  // bytes read there decode as nothing, which says less than where the fetch goes.
  const where = cpu.translate(linearPc(cpu), 'exec');
  if ('gpa' in where && where.gpa >= s.machine.memory.size) return '(fetch: outside memory)';
  const bytes = cpu.fetchBytes(15);
  if (bytes.length === 0) return '(no code: the fetch faults)';
  const r = decode(bytes, 0, bytes.length, cpu.codeSizeNow as CodeSize);
  if ('kind' in r) return `(bad: ${r.reason})`;
  return disasm(r, linearPc(cpu) + BigInt(r.length));
}

/** `cpu0 real 0000:7c05 running  mov ax, bx`: where a vCPU is and what it runs next. */
export function whereLine(s: Session, index = s.selected): string {
  const v = s.machine.vcpu(index);
  return `cpu${index} ${MODE_LABELS[v.cpu.mode()]} ${csip(v.cpu)} ${runStateLabel(v, s.machine)}  ${nextInstruction(s, index)}`;
}

/** What a stop means, in one line, with the vCPU that hit a breakpoint selected. */
export function describeStop(s: Session, stop: MachineStop, ran: number): string {
  switch (stop.kind) {
    case 'breakpoint': {
      s.selected = stop.vcpu;
      const lin = stop.reason.kind === 'breakpoint' ? linearPc(s.machine.vcpu(stop.vcpu).cpu) : null;
      const bp = [...s.breakpoints.values()].find((b) => b.linear === lin);
      return `${bp ? `Breakpoint ${bp.id}` : 'stopped'}, cpu${stop.vcpu} at ${lin === null ? '?' : hex(lin)} after ${ran} instructions`;
    }
    case 'idle':
      return `no vCPU can run (halted, holding or waiting for a SIPI) after ${ran} instructions`;
    case 'terminated':
      return `VM terminated: ${stop.reason}`;
    case 'budget':
      return `ran ${ran} instructions; the vCPUs are still running (continue for more)`;
    case 'until':
      return `stopped after ${ran} instructions`;
    case 'stop-requested':
      s.selected = stop.vcpu;
      return `cpu${stop.vcpu} stopped: ${stop.reason}`;
  }
}
