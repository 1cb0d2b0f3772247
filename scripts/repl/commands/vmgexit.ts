import {
  CommandError,
  decodeEventInjection,
  exitCodeName,
  GHCB_SHARED_BUFFER,
  type Ghcb,
  type GhcbField,
  ghcbErrName,
} from '../../../core/index.ts';
import { describeGhcbMsr } from '../format/msr.ts';
import { arg } from '../grammar.ts';
import { hex } from '../numbers.ts';
import { type CommandRow, row } from '../row.ts';
import type { Session } from '../session.ts';
import { type EventRow, eventRows, exitCodeOf, type GhcbRequest } from './vmgexit-events.ts';

/** A VMGEXIT needs an SEV-ES machine that still runs and a vCPU that is not offline. */
export function checkCanExit(s: Session, example: string): void {
  if (!s.sevEs)
    throw new CommandError(`this machine is not SEV-ES (--sev none): there is no GHCB; example: ${example}`);
  const t = s.machine.hv.terminated;
  if (t)
    throw new CommandError(
      `the VM is terminated (${t.reason}); restore a snapshot first; example: ${example}`,
    );
  if (s.vcpu.state === 'offline') throw new CommandError(`cpu${s.selected} is offline; example: vcpu 0`);
}

/** sw_exit_info_1[31:0] after the exit: the hypervisor's verdict (GHCB spec 4.1.6). */
export function verdict(g: Ghcb): string {
  const info1 = g.get('sw_exit_info_1');
  const info2 = g.get('sw_exit_info_2');
  const codes = `sw_exit_info_1=${hex(info1)} sw_exit_info_2=${hex(info2)}`;
  switch (info1 & 0xffffffffn) {
    case 0n:
      return `ok (${codes})`;
    case 1n: {
      const e = decodeEventInjection(info2);
      return `exception vector ${e.vector}${e.errorCodeValid ? ` error code ${hex(e.errorCode)}` : ''} (${codes})`;
    }
    case 2n:
      return `malformed input: ${ghcbErrName(Number(info2))} (${codes})`;
    default:
      return `unexpected verdict (${codes})`;
  }
}

/** The fields the kernel's helper would write, for a hand-edited (staged) exit. */
function kernelFields(s: Session, exitCode: number, req: GhcbRequest): Partial<Record<GhcbField, bigint>> {
  return {
    ...req.fields,
    ...(req.scratch ? { sw_scratch: BigInt(s.ghcbGpa() + GHCB_SHARED_BUFFER.offset) } : {}),
    sw_exit_code: BigInt(exitCode),
    sw_exit_info_1: req.info1,
    sw_exit_info_2: req.info2,
  };
}

/**
 * One full GHCB exit on the selected vCPU, built like the kernel builds it (GuestKernel.hvCall). With
 * staged `ghcb FIELD = VALUE` edits, the page is instead written by hand (Machine.rawGhcbExit) with the
 * kernel's fields overridden by the edits, and the staging is used up.
 */
export function ghcbExit(s: Session, exitCode: number, req: GhcbRequest, show?: EventRow['show']): string {
  const v = s.vcpu;
  const name = exitCodeName(exitCode);
  const staged = s.staged?.vcpu === s.selected ? s.staged : null;
  let answer: Ghcb;
  let head: string;
  if (staged) {
    const fields = { ...kernelFields(s, exitCode, req), ...staged.fields };
    answer = s.machine.rawGhcbExit(s.selected, {
      fields,
      ...(staged.usage !== undefined ? { usage: staged.usage } : {}),
      ...(req.shared ? { shared: req.shared } : {}),
    });
    s.staged = null;
    head = `${name} on cpu${v.index} (hand-edited page)`;
  } else {
    const r = s.machine.kernel.hvCall(v, exitCode, req.info1, req.info2, (g) => {
      for (const [f, value] of Object.entries(req.fields ?? {})) g.set(f as GhcbField, value as bigint);
      if (req.scratch) g.set('sw_scratch', BigInt(s.ghcbGpa() + GHCB_SHARED_BUFFER.offset));
      if (req.shared) g.bytes.set(req.shared.subarray(0, GHCB_SHARED_BUFFER.size), GHCB_SHARED_BUFFER.offset);
    });
    answer = r.ghcb;
    head = `${name} on cpu${v.index}: ${r.result}`;
  }
  const t = s.machine.hv.terminated;
  if (t) return `${head}\nVM terminated: ${t.reason} (set ${t.set}, code ${t.code})`;
  const lines = [head, verdict(answer)];
  if ((answer.get('sw_exit_info_1') & 0xffffffffn) === 0n && show) lines.push(...show(answer, req));
  if (v.state === 'ap-reset-hold') lines.push(`cpu${v.index} is in AP reset hold until a SIPI`);
  return lines.join('\n');
}

const eventCommand = (e: EventRow): CommandRow =>
  row({
    name: `vmgexit ${e.event}`,
    group: 'protocol',
    args: e.args,
    summary: e.summary,
    example: e.example,
    run: (a, s) => {
      checkCanExit(s, e.example);
      return ghcbExit(s, exitCodeOf(e.key), e.build(a), e.show);
    },
  });

export const vmgexitRows: readonly CommandRow[] = [
  row({
    name: 'vmgexit',
    group: 'protocol',
    args: [],
    summary: 'execute VMGEXIT with the GHCB MSR as it is (after wrmsr): MSR protocol or GHCB page',
    example: 'vmgexit',
    run: (_a, s) => {
      checkCanExit(s, 'wrmsr 0xc0010130 0x2');
      const before = s.cpu.ghcbMsr;
      s.machine.hv.vmgexit(s.vcpu);
      const after = s.cpu.ghcbMsr;
      const t = s.machine.hv.terminated;
      return [
        `VMGEXIT with ${describeGhcbMsr(before)}`,
        t ? `VM terminated: ${t.reason}` : `GHCB MSR now ${hex(after)}: ${describeGhcbMsr(after)}`,
      ].join('\n');
    },
  }),
  ...eventRows.map(eventCommand),
  row({
    name: 'vmgexit raw',
    group: 'protocol',
    args: [arg.value('CODE'), arg.opt(arg.value('INFO1')), arg.opt(arg.value('INFO2'))],
    summary: 'a GHCB exit with any exit code (for plugin-added exits)',
    example: 'vmgexit raw 0x80000100 0 0',
    run: (a, s) => {
      checkCanExit(s, 'vmgexit raw 0x80000100 0 0');
      const code = a.bigint('CODE');
      if (code > 0xffffffffn)
        throw new CommandError(
          `CODE ${hex(code)} is wider than 32 bits; example: vmgexit raw 0x80000100 0 0`,
        );
      return ghcbExit(s, Number(code), { info1: a.bigint('INFO1', 0n), info2: a.bigint('INFO2', 0n) });
    },
  }),
];
