import { formatEvent, type LoggedEvent } from '../../../core/index.ts';
import { msrData } from './msr.ts';

/**
 * One log line: core's formatEvent, with the data of MSR-protocol exchanges decoded by field
 * (`max=2 min=1 cbit=51`, `fn=0x8000001f ebx`, the termination reason).
 */
export function eventLine(e: LoggedEvent): string {
  const line = formatEvent(e);
  const value =
    e.kind === 'msr-proto' ? e.requestValue : e.kind === 'msr-proto-result' ? e.responseValue : null;
  const data = value === null || value === '-' ? '' : msrData(BigInt(value));
  return data ? `${line} [${data}]` : line;
}

/**
 * Does an event match a log filter? A filter is an event kind (`vmgexit`, `msr-proto`, `ipi`), a vCPU
 * (`cpu3`), or any text of the line (case-insensitive).
 */
export function matchesFilter(e: LoggedEvent, filter: string | null): boolean {
  if (filter === null) return true;
  const f = filter.toLowerCase();
  if (e.kind === f || e.kind === `${f}-result`) return true;
  const cpu = /^cpu(\d+)$/.exec(f);
  if (cpu)
    return 'vcpu' in e
      ? e.vcpu === Number(cpu[1])
      : e.kind === 'ipi' && (e.from === Number(cpu[1]) || e.to === Number(cpu[1]));
  return eventLine(e).toLowerCase().includes(f);
}

/** The last `count` events that match, newest last, skipping the newest `skip` matches (scrolling). */
export function lastMatching(
  events: readonly LoggedEvent[],
  filter: string | null,
  count: number,
  skip = 0,
): LoggedEvent[] {
  const out: LoggedEvent[] = [];
  let skipped = 0;
  for (let i = events.length - 1; i >= 0 && out.length < count; i--) {
    const e = events[i]!;
    if (!matchesFilter(e, filter)) continue;
    if (skipped < skip) skipped++;
    else out.push(e);
  }
  return out.reverse();
}
