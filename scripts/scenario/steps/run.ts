/**
 * `run`: the vCPUs run round robin (Machine.run) until a condition holds. Every run has an instruction
 * budget; a run that uses it up fails with each vCPU's mode, CS:RIP and run state instead of hanging.
 */
import type { Machine, MachineStop } from '../../../core/index.ts';
import { type EventPattern, eventMatches, eventPattern, formatPattern } from '../expect/event-match.ts';
import { arr, byType, describe, type Infer, int, obj, oneOf, type Schema, u64 } from '../schema/dsl.ts';
import { RUN_STATES, vcpuIndex } from './common.ts';
import { coreStep, OK } from './step.ts';
import { vcpuStates } from './vcpu-states.ts';

const condition = byType<Condition>({
  string: describe(
    oneOf(['idle', 'terminated', 'stop-requested'] as const),
    'idle: until no vCPU can run; terminated: until the VM is terminated; stop-requested: until a device or hook asks to stop.',
  ) as Schema<Condition>,
  mapping: obj({
    optional: {
      vcpu: vcpuIndex,
      rip: describe(u64(), 'Stop before the instruction at this RIP (in the CS at the start of the run).'),
      cs: describe(int({ max: 0xffff }), 'Also require this CS selector.'),
      state: obj({ required: { vcpu: vcpuIndex, is: oneOf(RUN_STATES) } }),
      event: eventPattern({ count: false }),
    },
    exclusive: [['rip', 'state', 'event']],
  }) as Schema<Condition>,
});

type Condition =
  | 'idle'
  | 'terminated'
  | 'stop-requested'
  | {
      vcpu?: number;
      rip?: bigint;
      cs?: number;
      state?: { vcpu: number; is: (typeof RUN_STATES)[number] };
      event?: EventPattern;
    };

const runSchema = obj({
  optional: {
    until: describe(condition, 'What ends the run. Default: idle.'),
    budget: describe(
      int({ min: 1 }),
      'Instructions over all vCPUs before the step fails. Default 10 million.',
    ),
    vcpus: describe(arr(vcpuIndex), 'Only these vCPUs run. Default: every running vCPU.'),
  },
});

const describeCondition = (c: Condition): string =>
  typeof c === 'string'
    ? c
    : c.rip !== undefined
      ? `cpu${c.vcpu ?? 0} at ${c.cs !== undefined ? `${c.cs.toString(16)}:` : 'rip '}0x${c.rip.toString(16)}`
      : c.state
        ? `cpu${c.state.vcpu} in state ${c.state.is}`
        : `a ${formatPattern(c.event!)}`;

/** Installs what the condition needs; returns the `until` predicate and the clean-up. */
function arm(c: Condition, machine: Machine): { until?: () => boolean; disarm: () => void } {
  if (typeof c === 'string') return { disarm: () => {} };
  if (c.state) {
    const v = machine.vcpu(c.state.vcpu);
    const is = c.state.is;
    return { until: () => v.state === is, disarm: () => {} };
  }
  if (c.event) {
    const pattern = c.event;
    let seen = false;
    const unsubscribe = machine.log.subscribe((e) => {
      if (eventMatches(e, pattern)) seen = true;
    });
    return { until: () => seen, disarm: unsubscribe };
  }
  const cpu = machine.vcpu(c.vcpu ?? 0).cpu;
  const rip = c.rip!;
  const linear = cpu.getSegment('cs').base + rip;
  const hook = cpu.addCodeHook(linear, (at) =>
    at.rip === rip && (c.cs === undefined || at.cs === c.cs) ? 'stop' : undefined,
  );
  return { disarm: () => cpu.removeHook(hook) };
}

/** Whether the machine's stop is the condition the step waited for. */
function reached(c: Condition, stop: MachineStop): boolean {
  if (c === 'idle') return stop.kind === 'idle' || stop.kind === 'terminated';
  if (c === 'terminated') return stop.kind === 'terminated';
  if (c === 'stop-requested') return stop.kind === 'stop-requested';
  if (c.rip !== undefined) return stop.kind === 'breakpoint' && stop.vcpu === (c.vcpu ?? 0);
  return stop.kind === 'until';
}

const describeStop = (s: MachineStop): string =>
  s.kind === 'budget'
    ? `the budget of ${s.instructions} instructions was used up`
    : s.kind === 'terminated'
      ? `the VM was terminated (${s.reason})`
      : s.kind === 'breakpoint'
        ? `a breakpoint on cpu${s.vcpu}`
        : s.kind === 'stop-requested'
          ? `cpu${s.vcpu} requested a stop (${s.reason})`
          : s.kind === 'idle'
            ? 'no vCPU could run'
            : 'the condition';

export const runStep = coreStep({
  kind: 'run',
  summary: 'Run the vCPUs until a condition (idle, terminated, a RIP, a vCPU state, an event)',
  schema: runSchema,
  run(v: Infer<typeof runSchema>, machine, ctx) {
    const c: Condition = v.until ?? 'idle';
    const budget = v.budget ?? ctx.defaultBudget;
    const armed = arm(c, machine);
    let stop: MachineStop;
    try {
      stop = machine.run({
        maxInstructions: budget,
        ...(armed.until ? { until: armed.until } : {}),
        ...(v.vcpus ? { only: v.vcpus } : {}),
      });
    } finally {
      armed.disarm();
    }
    if (reached(c, stop)) return OK;
    return {
      ok: false,
      expected: `${describeCondition(c)} within ${budget} instructions`,
      actual: `${describeStop(stop)}; vCPUs: ${vcpuStates(machine)}`,
    };
  },
});
