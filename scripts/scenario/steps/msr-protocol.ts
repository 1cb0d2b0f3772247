/**
 * `msr-protocol`: one GHCB MSR-protocol exchange by hand (write the GHCB MSR, VMGEXIT, read it back),
 * either as a request code plus GHCBData[63:12] or as the raw 64-bit MSR value.
 */

import { MSR_CODE_NAMES } from '../names.ts';
import { describe, int, obj, u64 } from '../schema/dsl.ts';
import { vcpuIndex } from './common.ts';
import { coreStep, OK } from './step.ts';

export const msrProtocolStep = coreStep({
  kind: 'msr-protocol',
  summary: 'Issue a GHCB MSR-protocol request (GHCBInfo code plus data, or a raw MSR value)',
  schema: obj({
    required: { vcpu: vcpuIndex },
    optional: {
      request: describe(
        int({
          max: 0xfff,
          names: MSR_CODE_NAMES,
          expected: 'a GHCB_MSR_* request code or a number up to 0xfff',
        }),
        'GHCBInfo[11:0], e.g. GHCB_MSR_SEV_INFO_REQ.',
      ),
      data: describe(u64(), 'GHCBData[63:12] (shifted into place).'),
      value: describe(u64(), 'The whole MSR value, instead of request and data.'),
    },
    exclusive: [['request', 'value']],
  }),
  run(v, machine) {
    const value = v.value ?? (BigInt.asUintN(52, v.data ?? 0n) << 12n) | BigInt(v.request!);
    machine.msrProtocol(v.vcpu, value);
    return OK;
  },
});
