/**
 * The event log: every VMGEXIT, MSR-protocol exchange, #VC, IPI, state change, termination and log
 * line is one typed event. The REPL renders it, scenarios assert on it, traces export it. Events carry
 * no wall-clock time: `icount` (instructions retired by the whole machine so far) orders them, so the
 * same inputs give the same log byte for byte. 64-bit values are kept as `0x...` strings so that a log
 * is plain JSON.
 */

export type VcpuRunState =
  | 'running'
  | 'halted'
  | 'wait-for-sipi'
  | 'ap-reset-hold'
  | 'parked'
  | 'offline'
  | 'terminated';

export type SevEvent =
  | { kind: 'msr-proto'; vcpu: number; request: string; requestValue: string }
  | { kind: 'msr-proto-result'; vcpu: number; response: string; responseValue: string }
  | {
      kind: 'vmgexit';
      vcpu: number;
      exitCode: string;
      name: string;
      exitInfo1: string;
      exitInfo2: string;
    }
  | {
      kind: 'vmgexit-result';
      vcpu: number;
      name: string;
      /** 'ok' (info_1 = 0), 'exception' (1), 'malformed' (2) */
      result: 'ok' | 'exception' | 'malformed';
      exitInfo1: string;
      exitInfo2: string;
      error?: string;
    }
  | { kind: 'vc'; vcpu: number; exitCode: string; name: string; rip: string }
  | { kind: 'vc-result'; vcpu: number; name: string; result: string }
  | {
      kind: 'ipi';
      from: number;
      to: number;
      type: 'INIT' | 'SIPI' | 'NMI' | 'fixed';
      vector: number;
      delivered: boolean;
      note?: string;
    }
  | { kind: 'state'; vcpu: number; from: VcpuRunState; to: VcpuRunState; why: string }
  | { kind: 'terminate'; vcpu: number; set: number; code: number; reason: string; via: string }
  | { kind: 'log'; vcpu: number | null; source: string; message: string }
  | { kind: 'device'; device: string; message: string }
  | { kind: 'plugin-error'; plugin: string; message: string };

export type SevEventKind = SevEvent['kind'];
export type LoggedEvent = SevEvent & { seq: number; icount: number };

export const hex = (v: number | bigint): string => `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;

export class EventLog {
  private readonly items: LoggedEvent[] = [];
  private readonly listeners = new Set<(e: LoggedEvent) => void>();
  /** Supplies the machine-wide instruction count stamped on each event. */
  clock: () => number = () => 0;

  append(event: SevEvent): LoggedEvent {
    const logged = { seq: this.items.length, icount: this.clock(), ...event } as LoggedEvent;
    this.items.push(logged);
    for (const l of this.listeners) l(logged);
    return logged;
  }

  /** Calls `listener` for every later event; returns the function that unsubscribes it. */
  subscribe(listener: (e: LoggedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get events(): readonly LoggedEvent[] {
    return this.items;
  }

  get length(): number {
    return this.items.length;
  }

  /** Drops events after `length` (snapshot restore). */
  truncate(length: number): void {
    this.items.length = Math.min(length, this.items.length);
  }

  toJsonl(): string {
    return this.items.map((e) => JSON.stringify(e)).join('\n') + (this.items.length ? '\n' : '');
  }
}

const cpu = (n: number | null) => (n === null ? '     ' : `cpu${n}`.padEnd(5));

/** One human-readable line per event, for the CLI and the REPL. */
export function formatEvent(e: LoggedEvent): string {
  const head = `#${String(e.seq).padStart(4, '0')}`;
  switch (e.kind) {
    case 'msr-proto':
      return `${head} ${cpu(e.vcpu)} MSR  ${e.request}(${e.requestValue})`;
    case 'msr-proto-result':
      return `${head} ${cpu(e.vcpu)} MSR  -> ${e.response}(${e.responseValue})`;
    case 'vmgexit':
      return `${head} ${cpu(e.vcpu)} EXIT ${e.name} info1=${e.exitInfo1} info2=${e.exitInfo2}`;
    case 'vmgexit-result':
      return `${head} ${cpu(e.vcpu)} RSLT ${e.name} ${e.result}${e.error ? ` ${e.error}` : ''} info1=${e.exitInfo1} info2=${e.exitInfo2}`;
    case 'vc':
      return `${head} ${cpu(e.vcpu)} #VC  ${e.name} at ${e.rip}`;
    case 'vc-result':
      return `${head} ${cpu(e.vcpu)} #VC  ${e.name} -> ${e.result}`;
    case 'ipi':
      return `${head} cpu${e.from}->cpu${e.to} IPI ${e.type}${e.type === 'SIPI' || e.type === 'fixed' ? ` vector ${hex(e.vector)}` : ''}${e.delivered ? '' : ' (no effect)'}${e.note ? `: ${e.note}` : ''}`;
    case 'state':
      return `${head} ${cpu(e.vcpu)} STATE ${e.from} -> ${e.to} (${e.why})`;
    case 'terminate':
      return `${head} ${cpu(e.vcpu)} TERMINATE set ${e.set} code ${e.code}: ${e.reason} (${e.via})`;
    case 'log':
      return `${head} ${cpu(e.vcpu)} ${e.source}: ${e.message}`;
    case 'device':
      return `${head}       ${e.device}: ${e.message}`;
    case 'plugin-error':
      return `${head}       plugin ${e.plugin} failed: ${e.message}`;
  }
}
