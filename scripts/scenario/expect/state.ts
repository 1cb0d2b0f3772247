/** `expect: {state: {vcpu: 1, is: ap-reset-hold}}`: run states of one, some or all vCPUs. */
import { obj, oneOf } from '../schema/dsl.ts';
import { RUN_STATES, vcpuSet, vcpusOf } from '../steps/common.ts';
import { expectation } from './expectation.ts';

export const stateExpectation = expectation({
  key: 'state',
  summary: 'Run state of vCPUs (one index, a list, or all)',
  schema: obj({ required: { vcpu: vcpuSet, is: oneOf(RUN_STATES) } }),
  check(v, machine) {
    const wrong = vcpusOf(v.vcpu, machine.vcpus.length).filter((i) => machine.vcpu(i).state !== v.is);
    if (!wrong.length) return null;
    return {
      expected: `${wrong.map((i) => `cpu${i}`).join(' ')} ${v.is}`,
      actual: wrong.map((i) => `cpu${i} ${machine.vcpu(i).state}`).join(', '),
    };
  },
});
