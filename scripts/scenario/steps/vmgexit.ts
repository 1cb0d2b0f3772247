/**
 * `vmgexit`: a GHCB exit written by hand (Machine.rawGhcbExit): exactly the given fields are written
 * and marked valid, so malformed requests (a missing input, a bad usage, a wild scratch area) are
 * one step each. The hypervisor's answer lands in the GHCB page and the event log.
 */
import { GHCB_FIELD_NAMES, type GhcbField } from '../../../core/index.ts';
import { bytes, defined, describe, int, obj, type Schema } from '../schema/dsl.ts';
import { registerValue, vcpuIndex } from './common.ts';
import { coreStep, OK } from './step.ts';

/** One 64-bit value per GHCB field, by its svm.h name. */
export const GHCB_FIELD_VALUES = Object.fromEntries(
  GHCB_FIELD_NAMES.map((f) => [f, registerValue]),
) as Record<GhcbField, Schema<bigint>>;

/** GHCB fields by their svm.h names, each optional. */
export const ghcbFields = defined('ghcb-fields', obj({ optional: GHCB_FIELD_VALUES }));

export const vmgexitStep = coreStep({
  kind: 'vmgexit',
  summary: 'Write GHCB fields by hand (only those marked valid) and exit to the hypervisor',
  schema: obj({
    required: {
      vcpu: vcpuIndex,
      fields: describe(
        ghcbFields,
        'GHCB fields to write and mark valid (sw_exit_code, sw_exit_info_1, rax, ...).',
      ),
    },
    optional: {
      usage: describe(int({ max: 0xffff_ffff }), 'ghcb_usage (0 is the only valid value).'),
      shared: describe(bytes(), 'Bytes at the start of the shared buffer (offset 0x800).'),
    },
  }),
  run(v, machine) {
    machine.rawGhcbExit(v.vcpu, {
      fields: v.fields as Partial<Record<GhcbField, bigint>>,
      ...(v.usage !== undefined ? { usage: v.usage } : {}),
      ...(v.shared ? { shared: v.shared } : {}),
    });
    return OK;
  },
});
