/** `expect: {negotiated: 2}`: the GHCB protocol version the guest kernel settled on (none if it failed). */
import { byType, int, none, obj, type Schema } from '../schema/dsl.ts';
import { expectation } from './expectation.ts';

type Want = number | null | { version: number; min?: number; max?: number };

export const negotiatedExpectation = expectation({
  key: 'negotiated',
  summary: 'GHCB protocol version negotiated (a number, {version, min, max}, or none)',
  schema: byType<Want>({
    number: int({ max: 0xffff }),
    null: none(),
    string: none(),
    mapping: obj({
      required: { version: int({ max: 0xffff }) },
      optional: { min: int({ max: 0xffff }), max: int({ max: 0xffff }) },
    }) as Schema<Want>,
  }),
  check(v, machine) {
    const n = machine.kernel.negotiated;
    const actual = n ? `version ${n.version} (hypervisor range ${n.hvMin}..${n.hvMax})` : 'none';
    if (v === null) return n === null ? null : { expected: 'none', actual };
    const want = typeof v === 'number' ? { version: v } : v;
    const ok =
      n !== null &&
      n.version === want.version &&
      (want.min === undefined || n.hvMin === want.min) &&
      (want.max === undefined || n.hvMax === want.max);
    if (ok) return null;
    const range =
      want.min !== undefined || want.max !== undefined
        ? ` (hypervisor range ${want.min ?? '?'}..${want.max ?? '?'})`
        : '';
    return { expected: `version ${want.version}${range}`, actual };
  },
});
