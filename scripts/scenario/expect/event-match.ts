/**
 * Event patterns: a subset of one event's fields (`{kind: vmgexit-result, name: SVM_EXIT_CPUID, error:
 * GHCB_ERR_MISSING_INPUT}`). Field names are the event log's own (core/event-log.ts), as `events.jsonl`
 * shows them. Used by `expect: {event}`, `expect: {no-event}` and `run: {until: {event}}`.
 */
import type { LoggedEvent, SevEventKind } from '../../../core/index.ts';
import { isMapping, type Schema } from '../schema/dsl.ts';
import { toBigInt } from '../schema/numbers.ts';
import { describeValue, didYouMean, listOf, SchemaError } from '../schema/path.ts';

/** The fields of each event kind, as core/event-log.ts SevEvent declares them. */
export const EVENT_FIELDS: Readonly<Record<SevEventKind, readonly string[]>> = {
  'msr-proto': ['vcpu', 'request', 'requestValue'],
  'msr-proto-result': ['vcpu', 'response', 'responseValue'],
  vmgexit: ['vcpu', 'exitCode', 'name', 'exitInfo1', 'exitInfo2'],
  'vmgexit-result': ['vcpu', 'name', 'result', 'exitInfo1', 'exitInfo2', 'error'],
  vc: ['vcpu', 'exitCode', 'name', 'rip'],
  'vc-result': ['vcpu', 'name', 'result'],
  ipi: ['from', 'to', 'type', 'vector', 'delivered', 'note'],
  state: ['vcpu', 'from', 'to', 'why'],
  terminate: ['vcpu', 'set', 'code', 'reason', 'via'],
  log: ['vcpu', 'source', 'message'],
  device: ['device', 'message'],
  'plugin-error': ['plugin', 'message'],
};
const KINDS = Object.keys(EVENT_FIELDS) as SevEventKind[];

type FieldValue = string | bigint | boolean | null;

export interface EventPattern {
  kind: SevEventKind;
  fields: ReadonlyArray<readonly [string, FieldValue]>;
  /** Exactly this many events must match (default: at least one). */
  count?: number;
}

/**
 * Strings match when equal, or when the event's text starts with them followed by a space, colon or
 * parenthesis (`GHCB_ERR_MISSING_INPUT` matches `GHCB_ERR_MISSING_INPUT (rcx not valid)`). Numbers
 * match the event's `0x...` strings by value.
 */
function fieldMatches(actual: unknown, want: FieldValue): boolean {
  if (want === null || typeof want === 'boolean') return actual === want;
  if (typeof want === 'bigint') {
    const a = typeof actual === 'number' || typeof actual === 'string' ? toBigInt(actual) : null;
    return a === want;
  }
  if (typeof actual === 'number') return toBigInt(want) === BigInt(actual);
  if (typeof actual !== 'string') return false;
  return actual === want || (actual.startsWith(want) && /^[\s:(]/.test(actual.slice(want.length)));
}

export const eventMatches = (e: LoggedEvent, p: EventPattern): boolean =>
  e.kind === p.kind && p.fields.every(([k, v]) => fieldMatches((e as Record<string, unknown>)[k], v));

export const formatPattern = (p: EventPattern): string =>
  `${p.kind} event${p.fields.length ? ` with ${p.fields.map(([k, v]) => `${k}=${typeof v === 'bigint' ? `0x${v.toString(16)}` : String(v)}`).join(' ')}` : ''}`;

export function eventPattern(opts: { count: boolean }): Schema<EventPattern> {
  const expected = `a mapping with kind (${listOf(KINDS, 20)}) and any of that event's fields${opts.count ? ', and count' : ''}`;
  return {
    expected,
    json: () => ({
      type: 'object',
      required: ['kind'],
      properties: {
        kind: { enum: KINDS },
        ...(opts.count ? { count: { type: 'integer', minimum: 0 } } : {}),
      },
      additionalProperties: { type: ['string', 'integer', 'boolean', 'null'] },
    }),
    parse(v, path) {
      if (!isMapping(v)) throw new SchemaError(path, `got ${describeValue(v)}; expected ${expected}`);
      const kind = v.kind;
      if (kind === undefined)
        throw new SchemaError(path, `missing key 'kind'; expected one of ${listOf(KINDS, 20)}`);
      if (typeof kind !== 'string' || !(KINDS as string[]).includes(kind))
        throw new SchemaError(
          [...path, 'kind'],
          `got ${describeValue(kind)}${typeof kind === 'string' ? didYouMean(kind, KINDS) : ''}; expected an event kind: ${listOf(KINDS, 20)}`,
        );
      const allowed = EVENT_FIELDS[kind as SevEventKind];
      const fields: Array<readonly [string, FieldValue]> = [];
      let count: number | undefined;
      for (const [k, raw] of Object.entries(v)) {
        if (k === 'kind') continue;
        if (k === 'count' && opts.count) {
          const n = toBigInt(raw);
          if (n === null || n < 0n)
            throw new SchemaError([...path, k], `got ${describeValue(raw)}; expected a count, 0 or more`);
          count = Number(n);
          continue;
        }
        if (!allowed.includes(k))
          throw new SchemaError(
            [...path, k],
            `a ${kind} event has no field '${k}'${didYouMean(k, allowed)}; expected one of ${listOf([...allowed, ...(opts.count ? ['count'] : [])])}`,
            'key',
          );
        const value = typeof raw === 'number' ? toBigInt(raw) : raw;
        if (
          (typeof raw === 'number' && value === null) ||
          (value !== null && !['string', 'bigint', 'boolean'].includes(typeof value))
        )
          throw new SchemaError(
            [...path, k],
            `got ${describeValue(raw)}; expected a string, number or true/false`,
          );
        fields.push([k, value as FieldValue]);
      }
      return { kind: kind as SevEventKind, fields, ...(count !== undefined ? { count } : {}) };
    },
  };
}
