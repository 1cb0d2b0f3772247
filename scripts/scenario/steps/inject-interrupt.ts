/**
 * `inject-interrupt`: a hostile hypervisor injects an arbitrary interrupt vector into a vCPU
 * (Heckler); it is recorded in the event log and delivered through the guest's IDT when IF allows.
 */
import { describe, int, obj } from '../schema/dsl.ts';
import { vcpuIndex } from './common.ts';
import { coreStep, OK } from './step.ts';

export const injectInterruptStep = coreStep({
  kind: 'inject-interrupt',
  summary: 'Hostile: inject an arbitrary interrupt vector into a vCPU',
  schema: obj({
    required: { vcpu: vcpuIndex, vector: describe(int({ max: 0xff }), 'The interrupt vector, 0..0xff.') },
  }),
  run(v, machine) {
    machine.injectInterrupt(v.vcpu, v.vector);
    return OK;
  },
});
