/** `regs`: set registers of one vCPU by name, in the order written (`cs` before `rip` in real mode). */

import { defined, isMapping, type Schema } from '../schema/dsl.ts';
import { describeValue, didYouMean, listOf, SchemaError } from '../schema/path.ts';
import { REGISTERS, vcpuIndex } from './common.ts';
import { registerValueFor } from './register-widths.ts';
import { coreStep, OK } from './step.ts';

export interface RegisterValues {
  vcpu: number;
  regs: Array<[string, bigint]>;
}

/** `{vcpu: 0, rax: 0x1234, rip: 0x7c00}`: a vCPU and register values, each within its register's width. */
const registerMapInline: Schema<RegisterValues> = {
  expected: `a mapping with vcpu and register names (${listOf(REGISTERS, 8)})`,
  json: () => ({
    type: 'object',
    required: ['vcpu'],
    properties: {
      vcpu: vcpuIndex.json(),
      ...Object.fromEntries(REGISTERS.map((r) => [r, registerValueFor(r).json()])),
    },
    additionalProperties: false,
  }),
  parse(v, path, ctx) {
    if (!isMapping(v))
      throw new SchemaError(path, `got ${describeValue(v)}; expected ${registerMap.expected}`);
    if (!Object.hasOwn(v, 'vcpu')) throw new SchemaError(path, `missing key 'vcpu'; expected a vCPU index`);
    const regs: Array<[string, bigint]> = [];
    for (const [k, raw] of Object.entries(v)) {
      if (k === 'vcpu') continue;
      if (!REGISTERS.includes(k))
        throw new SchemaError(
          [...path, k],
          `unknown register '${k}'${didYouMean(k, REGISTERS)}; expected vcpu or a register name such as rax, eip, cs, cr0`,
          'key',
        );
      regs.push([k, registerValueFor(k).parse(raw, [...path, k], ctx)]);
    }
    return { vcpu: vcpuIndex.parse(v.vcpu, [...path, 'vcpu'], ctx), regs };
  },
};

/** `{vcpu: 0, rax: 0x1234, rip: 0x7c00}`: a vCPU and register values. */
export const registerMap = defined('registers', registerMapInline);

export const regsStep = coreStep({
  kind: 'regs',
  summary: 'Set registers of a vCPU by name',
  schema: registerMap,
  run(v, machine) {
    const cpu = machine.vcpu(v.vcpu).cpu;
    for (const [name, value] of v.regs) cpu.setReg(name, value);
    return OK;
  },
});
