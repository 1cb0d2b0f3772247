/**
 * The `expect` step: a mapping of expectation kinds, checked in this table's order; the first
 * mismatch fails the step with its expected and actual values.
 */
import { obj, type Schema } from '../schema/dsl.ts';
import { listOf, SchemaError } from '../schema/path.ts';
import { coreStep, OK } from '../steps/step.ts';
import { apJumpTableExpectation } from './ap-jump-table.ts';
import { eventExpectation, noEventExpectation } from './events.ts';
import type { Expectation } from './expectation.ts';
import { fileExpectation } from './file.ts';
import { ghcbExpectation } from './ghcb.ts';
import { memExpectation } from './memory.ts';
import { negotiatedExpectation } from './negotiated.ts';
import { regExpectation } from './registers.ts';
import { stateExpectation } from './state.ts';
import { terminatedExpectation } from './terminated.ts';

/** Every expectation kind, by the key written under `expect:`. */
export const EXPECTATIONS: readonly Expectation<unknown>[] = [
  regExpectation,
  memExpectation,
  stateExpectation,
  negotiatedExpectation,
  eventExpectation,
  noEventExpectation,
  terminatedExpectation,
  ghcbExpectation,
  apJumpTableExpectation,
  fileExpectation,
];

const byKey = new Map(EXPECTATIONS.map((e) => [e.key, e]));
const schema = obj({
  optional: Object.fromEntries(EXPECTATIONS.map((e) => [e.key, e.schema])) as Record<string, Schema<unknown>>,
});

export const expectStep = coreStep({
  kind: 'expect',
  summary: 'Check registers, memory, vCPU states, the negotiated protocol, events, termination, files',
  schema: {
    ...schema,
    json: () => ({ ...schema.json(), minProperties: 1 }),
    parse(v, path, ctx) {
      const out = schema.parse(v, path, ctx) as Record<string, unknown>;
      if (Object.keys(out).length === 0)
        throw new SchemaError(
          path,
          `nothing to check; expected one of ${listOf(EXPECTATIONS.map((e) => e.key))}`,
        );
      return out;
    },
  },
  run(v, machine, ctx) {
    for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
      const e = byKey.get(key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))!;
      const miss = e.check(value, machine, ctx);
      if (miss) return { ok: false, expected: `${e.key}: ${miss.expected}`, actual: miss.actual };
    }
    return OK;
  },
});
