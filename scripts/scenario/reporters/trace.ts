/**
 * `--trace FILE`: Chrome trace-event JSON (the "JSON Object Format" of the Trace Event Format
 * document), which Perfetto and chrome://tracing open. One process per scenario, one track per vCPU
 * plus a machine track; VMGEXITs, MSR-protocol exchanges and #VCs are slices from their event to
 * their result; IPIs are flow arrows from the sender's track to the target's; state changes,
 * log lines and terminations are instant events.
 *
 * Time is logical, so a trace is byte-for-byte reproducible: ts = instructions retired + event
 * sequence number, in microseconds; each event thus advances the clock by at least 1.
 */
import type { LoggedEvent } from '../../../core/index.ts';
import type { ScenarioResult } from '../result.ts';

export type TraceEvent = {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  id?: number;
  bp?: string;
  s?: string;
  args?: Record<string, unknown>;
};

/** Begin and end kinds of the slices, paired per vCPU, innermost first. */
const SLICES: Readonly<Record<string, { end: string; cat: string }>> = {
  vmgexit: { end: 'vmgexit-result', cat: 'vmgexit' },
  'msr-proto': { end: 'msr-proto-result', cat: 'msr-protocol' },
  vc: { end: 'vc-result', cat: 'vc' },
};
const END_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SLICES).map(([b, s]) => [s.end, b]),
);

const MACHINE_TID = 0;
const tidOf = (vcpu: number | null | undefined) =>
  vcpu === null || vcpu === undefined ? MACHINE_TID : vcpu + 1;
const tsOf = (e: LoggedEvent) => e.icount + e.seq;

function argsOf(e: LoggedEvent): Record<string, unknown> {
  const { kind: _k, seq: _s, icount: _i, ...rest } = e as LoggedEvent & Record<string, unknown>;
  return { seq: e.seq, icount: e.icount, ...rest };
}

function sliceName(e: LoggedEvent): string {
  if (e.kind === 'vmgexit' || e.kind === 'vc') return e.name;
  if (e.kind === 'msr-proto') return e.request;
  return e.kind;
}

function instantName(e: LoggedEvent): string {
  switch (e.kind) {
    case 'state':
      return `${e.from} -> ${e.to}`;
    case 'terminate':
      return `terminate set ${e.set} code ${e.code}`;
    case 'log':
      return `${e.source}: ${e.message}`;
    case 'device':
      return `${e.device}: ${e.message}`;
    case 'plugin-error':
      return `plugin ${e.plugin} failed`;
    default:
      return e.kind;
  }
}

interface Open {
  begin: LoggedEvent;
  endArgs?: Record<string, unknown>;
}

/** The trace events of one scenario's log, as process `pid`; flow ids continue from `flowId`. */
export function scenarioTrace(r: ScenarioResult, pid: number, flowId: { next: number }): TraceEvent[] {
  const out: TraceEvent[] = [
    { name: 'process_name', ph: 'M', pid, tid: MACHINE_TID, args: { name: `${r.name} (${r.file})` } },
    { name: 'process_sort_index', ph: 'M', pid, tid: MACHINE_TID, args: { sort_index: pid } },
    { name: 'thread_name', ph: 'M', pid, tid: MACHINE_TID, args: { name: 'machine' } },
  ];
  const vcpus = new Set<number>();
  const stacks = new Map<number, Open[]>();
  const end = r.events.length ? tsOf(r.events.at(-1)!) + 1 : 0;
  const slice = (o: Open, endTs: number, endArgs?: Record<string, unknown>) => {
    const b = o.begin;
    const tid = tidOf((b as { vcpu?: number }).vcpu);
    out.push({
      name: sliceName(b),
      cat: SLICES[b.kind]!.cat,
      ph: 'X',
      pid,
      tid,
      ts: tsOf(b),
      dur: endTs - tsOf(b),
      args: endArgs ? { ...argsOf(b), result: endArgs } : argsOf(b),
    });
  };
  for (const e of r.events) {
    const vcpu = 'vcpu' in e ? e.vcpu : null;
    if (vcpu !== null) vcpus.add(vcpu);
    const tid = tidOf(vcpu);
    const ts = tsOf(e);
    if (SLICES[e.kind] && vcpu !== null) {
      const s = stacks.get(vcpu) ?? [];
      s.push({ begin: e });
      stacks.set(vcpu, s);
    } else if (END_OF[e.kind] && vcpu !== null) {
      const s = stacks.get(vcpu) ?? [];
      const at = s.findLastIndex((o) => o.begin.kind === END_OF[e.kind]);
      if (at < 0) out.push({ name: e.kind, ph: 'i', s: 't', pid, tid, ts, args: argsOf(e) });
      else {
        // Anything opened inside and never answered closes with its parent.
        for (const inner of s.splice(at + 1).reverse()) slice(inner, ts);
        slice(s.pop()!, ts + 1, argsOf(e));
      }
    } else if (e.kind === 'ipi') {
      vcpus.add(e.from);
      vcpus.add(e.to);
      const id = flowId.next++;
      const name = `IPI ${e.type}`;
      out.push({
        name: `${name} -> cpu${e.to}`,
        cat: 'ipi',
        ph: 'X',
        pid,
        tid: tidOf(e.from),
        ts,
        dur: 1,
        args: argsOf(e),
      });
      out.push({ name, cat: 'ipi', ph: 's', id, pid, tid: tidOf(e.from), ts });
      out.push({
        name: `${name} from cpu${e.from}`,
        cat: 'ipi',
        ph: 'X',
        pid,
        tid: tidOf(e.to),
        ts,
        dur: 1,
        args: argsOf(e),
      });
      out.push({ name, cat: 'ipi', ph: 'f', bp: 'e', id, pid, tid: tidOf(e.to), ts });
    } else {
      out.push({
        name: instantName(e),
        cat: e.kind,
        ph: 'i',
        s: e.kind === 'terminate' ? 'p' : 't',
        pid,
        tid,
        ts,
        args: argsOf(e),
      });
    }
  }
  for (const s of stacks.values()) for (const o of s.reverse()) slice(o, end);
  for (const v of [...vcpus].sort((a, b) => a - b)) {
    out.push({ name: 'thread_name', ph: 'M', pid, tid: tidOf(v), args: { name: `cpu${v}` } });
    out.push({ name: 'thread_sort_index', ph: 'M', pid, tid: tidOf(v), args: { sort_index: v + 1 } });
  }
  return out;
}

const bigintSafe = (_k: string, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v);

/** The whole trace file: one event per line, keys in a fixed order, so equal runs give equal bytes. */
export function formatTrace(results: readonly ScenarioResult[]): string {
  const flowId = { next: 1 };
  const events = results.flatMap((r, i) => scenarioTrace(r, i + 1, flowId));
  const lines = events.map((e) => JSON.stringify(e, bigintSafe));
  return `{"displayTimeUnit":"ns","otherData":{"clock":"instructions retired + event sequence number"},"traceEvents":[\n${lines.join(',\n')}\n]}\n`;
}
