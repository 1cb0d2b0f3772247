/**
 * `inject-vc`: a hostile hypervisor injects a #VC with a chosen exit code into a vCPU although its
 * instruction at RIP caused none (WeSee). The guest's #VC handler runs as for a real one; the outcome
 * is in the event log (`vc-result`), and a refused injection leaves the vCPU's registers untouched
 * apart from what the kernel's panic path does.
 */
import { describe, obj } from '../schema/dsl.ts';
import { registerValue, vcpuIndex } from './common.ts';
import { coreStep, OK } from './step.ts';

export const injectVcStep = coreStep({
  kind: 'inject-vc',
  summary: 'Hostile: inject a #VC with an exit code the instruction at RIP did not cause',
  schema: obj({
    required: {
      vcpu: vcpuIndex,
      'exit-code': describe(registerValue, 'The #VC error code: an SVM exit code such as SVM_EXIT_CPUID.'),
    },
  }),
  run(v, machine) {
    machine.injectVc(v.vcpu, Number(v.exitCode));
    return OK;
  },
});
