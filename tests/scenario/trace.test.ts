// --trace output against the Trace Event Format checker (trace-format.ts), and the checker itself.
import { describe, expect, test } from 'bun:test';
import { join, relative } from 'node:path';
import { runScenarioFile } from '../../scripts/scenario/execute.ts';
import { formatTrace, type TraceEvent } from '../../scripts/scenario/reporters/trace.ts';
import { checkTrace } from './trace-format.ts';

const lib = (p: string) => relative(process.cwd(), join(import.meta.dir, '..', '..', 'scenarios', p));
const sample = ['ap/init-sipi.yaml', 'cpu/vc-cpuid.yaml', 'protocol/negotiate-3..4.yaml'].map(lib);

async function sampleTrace(): Promise<string> {
  const results = [];
  for (const f of sample) results.push(await runScenarioFile(f, { outDir: null }));
  return formatTrace(results);
}

describe('the trace of a sample run', () => {
  test('passes the trace-event format checker', async () => {
    expect(checkTrace(await sampleTrace())).toEqual([]);
  });
  test('has one process per scenario, a track per vCPU, #VC and VMGEXIT slices, IPI flows', async () => {
    const events = (JSON.parse(await sampleTrace()) as { traceEvents: TraceEvent[] }).traceEvents;
    const names = (pid: number) =>
      events.filter((e) => e.pid === pid && e.name === 'thread_name').map((e) => e.args!.name);
    expect(names(1)).toEqual(['machine', 'cpu0', 'cpu1']);
    expect(events.filter((e) => e.name === 'process_name').map((e) => e.args!.name)).toEqual([
      `INIT-SIPI starts an AP at its launch-time state (${sample[0]})`,
      `CPUID under SEV-ES goes through #VC and the GHCB (${sample[1]})`,
      `negotiation against a 3..4 hypervisor terminates the guest (${sample[2]})`,
    ]);
    const vc = events.find((e) => e.pid === 2 && e.cat === 'vc')!;
    const exit = events.find((e) => e.pid === 2 && e.cat === 'vmgexit' && e.name === 'SVM_EXIT_CPUID')!;
    expect([vc.name, vc.ph, vc.tid]).toEqual(['SVM_EXIT_CPUID', 'X', 1]);
    // The GHCB exit the #VC handler makes sits inside the #VC slice.
    expect(exit.ts! > vc.ts! && exit.ts! + exit.dur! <= vc.ts! + vc.dur!).toBe(true);
    const flows = events.filter((e) => e.pid === 1 && (e.ph === 's' || e.ph === 'f'));
    expect(flows.map((e) => [e.ph, e.name, e.tid, e.id])).toEqual([
      ['s', 'IPI INIT', 1, 1],
      ['f', 'IPI INIT', 2, 1],
      ['s', 'IPI SIPI', 1, 2],
      ['f', 'IPI SIPI', 2, 2],
    ]);
    expect(events.find((e) => e.pid === 3 && e.cat === 'terminate')).toMatchObject({ ph: 'i', s: 'p' });
  });
  test('is the same bytes on every run', async () => {
    expect(await sampleTrace()).toBe(await sampleTrace());
  });
});

describe('the checker finds what a trace viewer rejects', () => {
  const ok = { name: 'x', ph: 'X', pid: 1, tid: 1, ts: 0, dur: 10 };
  const trace = (...events: object[]) => JSON.stringify({ traceEvents: events });
  test.each<[string, object[], string]>([
    ['overlapping slices', [ok, { ...ok, ts: 5, dur: 10 }], 'overlaps event 0 without nesting'],
    ['an E without B', [{ name: 'x', ph: 'E', pid: 1, tid: 1, ts: 1 }], 'E without a B'],
    ['a B without E', [{ name: 'x', ph: 'B', pid: 1, tid: 1, ts: 1 }], '1 B events without E'],
    ['an unknown phase', [{ ...ok, ph: 'Q' }], 'unknown phase Q'],
    ['a negative duration', [{ ...ok, dur: -1 }], 'X without a dur >= 0'],
    [
      'a flow that never ends',
      [ok, { name: 'f', ph: 's', id: 1, pid: 1, tid: 1, ts: 1 }],
      'does not end with f',
    ],
    [
      'a flow outside any slice',
      [
        { name: 'f', ph: 's', id: 1, pid: 1, tid: 1, ts: 1 },
        { name: 'f', ph: 'f', id: 1, pid: 1, tid: 2, ts: 2 },
      ],
      'has no enclosing slice',
    ],
    [
      'a thread name without a name',
      [{ name: 'thread_name', ph: 'M', pid: 1, tid: 1, args: {} }],
      'thread_name without args.name',
    ],
    ['a string pid', [{ ...ok, pid: '1' }], 'pid and tid must be integers'],
  ])('%s', (_what, events, problem) => {
    expect(checkTrace(trace(...events)).join('\n')).toContain(problem);
  });
  test('nested and touching slices are fine', () => {
    expect(checkTrace(trace(ok, { ...ok, ts: 2, dur: 3 }, { ...ok, ts: 10, dur: 1 }))).toEqual([]);
  });
});
