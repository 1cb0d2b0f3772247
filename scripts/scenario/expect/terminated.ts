/** `expect: {terminated: {set: 0, code: 1}}` or `{terminated: false}`: whether and why the VM stopped. */
import { bool, byType, int, obj, type Schema, str } from '../schema/dsl.ts';
import { expectation } from './expectation.ts';

type Want = boolean | { set?: number; code?: number; reason?: string; via?: string };

export const terminatedExpectation = expectation({
  key: 'terminated',
  summary: 'Whether the VM was terminated, and with which reason set and code',
  schema: byType<Want>({
    boolean: bool(),
    mapping: obj({
      optional: { set: int({ max: 0xf }), code: int({ max: 0xff }), reason: str(), via: str() },
    }) as Schema<Want>,
  }),
  check(v, machine) {
    const t = machine.hv.terminated;
    const actual = t
      ? `terminated: set ${t.set} code ${t.code} (${t.reason}, via ${t.via})`
      : 'not terminated';
    if (v === false) return t ? { expected: 'not terminated', actual } : null;
    if (v === true) return t ? null : { expected: 'terminated', actual };
    const ok =
      t !== null &&
      (v.set === undefined || t.set === v.set) &&
      (v.code === undefined || t.code === v.code) &&
      (v.reason === undefined || t.reason === v.reason) &&
      (v.via === undefined || t.via === v.via);
    if (ok) return null;
    const parts = [
      v.set !== undefined ? `set ${v.set}` : '',
      v.code !== undefined ? `code ${v.code}` : '',
      v.reason !== undefined ? `reason '${v.reason}'` : '',
      v.via !== undefined ? `via ${v.via}` : '',
    ].filter(Boolean);
    return { expected: `terminated: ${parts.join(' ') || 'any reason'}`, actual };
  },
});
