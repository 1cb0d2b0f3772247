/**
 * `expect: {ghcb: {vcpu: 0, sw_exit_info_1: 2, sw_exit_info_2: GHCB_ERR_MISSING_INPUT}}`: fields of a
 * vCPU's GHCB page as the guest reads them after the hypervisor answered (GHCB spec 4.1.6).
 */
import { GHCB_FIELD_NAMES, GHCB_PAGE_SIZE, Ghcb, type GhcbField } from '../../../core/index.ts';
import { isMapping, obj, type Schema } from '../schema/dsl.ts';
import { describeValue, didYouMean, listOf, SchemaError } from '../schema/path.ts';
import { vcpuIndex } from '../steps/common.ts';
import { GHCB_FIELD_VALUES, ghcbFields } from '../steps/vmgexit.ts';
import { expectation, hex64 } from './expectation.ts';

interface Want {
  vcpu: number;
  fields: Array<[GhcbField, bigint]>;
}

const schema: Schema<Want> = {
  expected: `a mapping with vcpu and GHCB field names (${listOf(GHCB_FIELD_NAMES, 6)})`,
  // Written out rather than as `ghcb-fields` plus `vcpu`: draft-07 ignores keywords beside a `$ref`,
  // and the definition's additionalProperties: false would reject `vcpu` inside an allOf.
  json: () => obj({ required: { vcpu: vcpuIndex }, optional: GHCB_FIELD_VALUES }).json(),
  parse(v, path, ctx) {
    if (!isMapping(v)) throw new SchemaError(path, `got ${describeValue(v)}; expected ${schema.expected}`);
    if (!Object.hasOwn(v, 'vcpu')) throw new SchemaError(path, `missing key 'vcpu'; expected a vCPU index`);
    const { vcpu: _v, ...rest } = v;
    for (const k of Object.keys(rest))
      if (!(GHCB_FIELD_NAMES as string[]).includes(k))
        throw new SchemaError(
          [...path, k],
          `unknown GHCB field '${k}'${didYouMean(k, GHCB_FIELD_NAMES)}; expected vcpu or one of ${listOf(GHCB_FIELD_NAMES, 30)}`,
          'key',
        );
    const parsed = ghcbFields.parse(rest, path, ctx) as Record<string, bigint>;
    return {
      vcpu: vcpuIndex.parse(v.vcpu, [...path, 'vcpu'], ctx),
      fields: Object.keys(rest).map((k) => [k as GhcbField, parsed[k]!]),
    };
  },
};

export const ghcbExpectation = expectation({
  key: 'ghcb',
  summary: "Fields of a vCPU's GHCB page after the hypervisor's answer",
  schema,
  check(v, machine) {
    const gpa = machine.kernel.ghcbGpa(machine.vcpu(v.vcpu));
    const g = new Ghcb(machine.memory.read(gpa, GHCB_PAGE_SIZE));
    const wrong = v.fields.filter(([f, want]) => g.get(f) !== want);
    if (!wrong.length) return null;
    return {
      expected: wrong.map(([f, w]) => `${f} = ${hex64(w)}`).join(', '),
      actual: wrong.map(([f]) => `${f} = ${hex64(g.get(f))}`).join(', '),
    };
  },
});
