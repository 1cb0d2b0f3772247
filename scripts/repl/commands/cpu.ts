import { CommandError } from '../../../core/index.ts';
import { registerLines } from '../format/registers.ts';
import { vcpuLine } from '../format/vcpu.ts';
import { arg } from '../grammar.ts';
import { hex } from '../numbers.ts';
import { type CommandRow, row } from '../row.ts';
import { describeStop, runChunked, whereLine } from '../run.ts';
import type { Session } from '../session.ts';

const DEFAULT_CONTINUE = 10_000_000;

function mustRun(s: Session, example: string): void {
  if (s.machine.terminated)
    throw new CommandError(
      `the VM is terminated (${s.machine.hv.terminated?.reason}); restore a snapshot first; example: ${example}`,
    );
  const v = s.vcpu;
  if (v.state !== 'running')
    throw new CommandError(
      `cpu${v.index} is ${v.state}, not running; wake it first (init, sipi); example: ${example}`,
    );
}

function addBreakpoint(s: Session, linear: bigint): number {
  const id = s.nextBreakpoint++;
  const hooks = s.machine.vcpus.map((v) => ({
    cpu: v.cpu,
    handle: v.cpu.addCodeHook(linear, () => 'stop' as const),
  }));
  s.breakpoints.set(id, { id, linear, hooks });
  return id;
}

function removeBreakpoint(s: Session, id: number): void {
  const bp = s.breakpoints.get(id);
  if (!bp) return;
  for (const h of bp.hooks) h.cpu.removeHook(h.handle);
  s.breakpoints.delete(id);
}

export const cpuRows: readonly CommandRow[] = [
  row({
    name: 'vcpu',
    group: 'cpu',
    args: [arg.opt(arg.number('N'))],
    summary: 'select the vCPU the panes and commands work on (without N: show the selected one)',
    example: 'vcpu 1',
    run: (a, s) => {
      if (a.has('N')) s.selected = s.checkVcpu(a.int('N'), 'vcpu 1');
      return whereLine(s);
    },
  }),
  row({
    name: 'vcpus',
    group: 'cpu',
    args: [arg.opt(arg.number('FROM')), arg.opt(arg.number('COUNT'))],
    summary: 'list vCPUs: index, mode, CS:IP, run state (QEMU info cpus)',
    example: 'vcpus 0 16',
    run: (a, s) => {
      const n = s.machine.vcpus.length;
      const from = a.int('FROM', 0);
      if (from >= n) s.checkVcpu(from, 'vcpus 0 16');
      const count = Math.min(a.int('COUNT', 32), n - from);
      const w = String(n - 1).length;
      return s.machine.vcpus
        .slice(from, from + count)
        .map((v) => `${v.index === s.selected ? '*' : ' '}${vcpuLine(v, s.machine, w)}`)
        .join('\n');
    },
  }),
  row({
    name: 'regs',
    group: 'cpu',
    args: [],
    summary: 'registers of the selected vCPU',
    example: 'regs',
    run: (_a, s) => [`cpu${s.selected} ${s.cpu.mode()}`, ...registerLines(s.cpu, 3)].join('\n'),
  }),
  row({
    name: 'set',
    group: 'cpu',
    args: [arg.register(), arg.lit('='), arg.value('VALUE')],
    summary: 'set a register of the selected vCPU',
    example: 'set $rax = 0x1234',
    run: (a, s) => {
      const name = a.text('$REG');
      try {
        s.cpu.setReg(name, a.bigint('VALUE'));
      } catch (e) {
        throw new CommandError(`${(e as Error).message}; example: set $rax = 0x1234`);
      }
      return `$${name} = ${hex(s.cpu.getReg(name))}`;
    },
  }),
  row({
    name: 'print',
    aliases: ['p'],
    group: 'cpu',
    args: [arg.value('EXPR')],
    summary: 'evaluate an expression: numbers, $registers, u32[GPA] loads, + and -',
    example: 'print $rsp+8',
    run: (a) => {
      const v = a.bigint('EXPR');
      return `${hex(v)} (${v})`;
    },
  }),
  row({
    name: 'step',
    aliases: ['s', 'si', 'stepi'],
    group: 'cpu',
    args: [arg.opt(arg.number('N'))],
    summary: 'execute N instructions (default 1) on the selected vCPU; VMGEXITs and #VCs are handled',
    example: 'step 10',
    run: (a, s) => {
      mustRun(s, 'step 10');
      const n = a.int('N', 1);
      if (n < 1 || n > 10_000_000) throw new CommandError(`N ${n} is not in 1..10000000; example: step 10`);
      const start = s.machine.instructions;
      const stop = s.machine.run({ maxInstructions: n, only: [s.selected] });
      const ran = s.machine.instructions - start;
      const head = stop.kind === 'budget' ? `stepped ${ran}` : describeStop(s, stop, ran);
      return `${head}\n${whereLine(s)}`;
    },
  }),
  row({
    name: 'continue',
    aliases: ['c', 'cont'],
    group: 'cpu',
    args: [arg.opt(arg.number('N'))],
    summary: `run every running vCPU until a breakpoint, idle, termination or N instructions (default ${DEFAULT_CONTINUE}); Ctrl+C stops`,
    example: 'continue 100000',
    run: async (a, s) => {
      if (s.machine.terminated) mustRun(s, 'continue');
      const { stop, ran } = await runChunked(s, { budget: a.int('N', DEFAULT_CONTINUE) });
      return `${describeStop(s, stop, ran)}\n${whereLine(s)}`;
    },
  }),
  row({
    name: 'until',
    group: 'cpu',
    args: [arg.address('ADDR')],
    summary: 'run until the selected vCPU reaches a linear address (the others run too)',
    example: 'until 0x7c10',
    run: async (a, s) => {
      mustRun(s, 'until 0x7c10');
      const target = a.bigint('ADDR');
      const cpu = s.cpu;
      let hit = false;
      const handle = cpu.addCodeHook(target, () => {
        hit = true;
        return 'stop';
      });
      try {
        const { stop, ran } = await runChunked(s, { budget: DEFAULT_CONTINUE });
        const head = hit ? `reached ${hex(target)} after ${ran} instructions` : describeStop(s, stop, ran);
        return `${head}\n${whereLine(s)}`;
      } finally {
        cpu.removeHook(handle);
      }
    },
  }),
  row({
    name: 'break',
    aliases: ['b'],
    group: 'cpu',
    args: [arg.opt(arg.address('ADDR'))],
    summary: 'stop every vCPU before the instruction at a linear address (without ADDR: list breakpoints)',
    example: 'break 0x7c00',
    run: (a, s) => {
      if (!a.has('ADDR')) {
        if (s.breakpoints.size === 0) return 'no breakpoints';
        return [...s.breakpoints.values()].map((b) => `${b.id}  ${hex(b.linear)}`).join('\n');
      }
      const linear = a.bigint('ADDR');
      const dup = [...s.breakpoints.values()].find((b) => b.linear === linear);
      if (dup)
        throw new CommandError(
          `breakpoint ${dup.id} is already at ${hex(linear)}; example: delete ${dup.id}`,
        );
      return `Breakpoint ${addBreakpoint(s, linear)} at ${hex(linear)}`;
    },
  }),
  row({
    name: 'delete',
    aliases: ['d'],
    group: 'cpu',
    args: [arg.opt(arg.number('N'))],
    summary: 'delete breakpoint N (without N: all of them)',
    example: 'delete 1',
    run: (a, s) => {
      if (!a.has('N')) {
        const n = s.breakpoints.size;
        for (const id of [...s.breakpoints.keys()]) removeBreakpoint(s, id);
        return `deleted ${n} breakpoints`;
      }
      const id = a.int('N');
      if (!s.breakpoints.has(id)) {
        const have = [...s.breakpoints.keys()].join(', ') || 'none';
        throw new CommandError(`there is no breakpoint ${id} (have: ${have}); example: delete 1`);
      }
      removeBreakpoint(s, id);
      return `deleted breakpoint ${id}`;
    },
  }),
];
