/** `ipi`: an IPI from a vCPU's local APIC, as a write of its interrupt command register (ICR). */
import { describe, int, obj, oneOf } from '../schema/dsl.ts';
import { vcpuIndex } from './common.ts';
import { coreStep, OK } from './step.ts';

export const ipiStep = coreStep({
  kind: 'ipi',
  summary: 'Send an INIT, SIPI, NMI or fixed IPI from one vCPU to another',
  schema: obj({
    required: { from: vcpuIndex, to: vcpuIndex, type: oneOf(['INIT', 'SIPI', 'NMI', 'fixed'] as const) },
    optional: {
      vector: describe(
        int({ max: 0xff }),
        'SIPI: the start page number (CS = vector << 8); fixed: the vector.',
      ),
    },
  }),
  run(v, machine) {
    machine.sendIpi(v.from, {
      to: v.to,
      type: v.type,
      ...(v.vector !== undefined ? { vector: v.vector } : {}),
    });
    return OK;
  },
});
