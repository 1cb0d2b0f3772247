import { expect } from 'bun:test';
import { Machine, machineConfig } from '../../../core/index.ts';
import apCreationPlugin, { type ApCreationOptions } from '../../../plugins/ap-creation/index.ts';

/**
 * The AP's code at 0x8000 (real mode, CS = 0x0800 after AP_CREATE):
 *   mov ax, 0x1234    ; b8 34 12
 *   hlt               ; f4
 */
export const AP_CODE = new Uint8Array([0xb8, 0x34, 0x12, 0xf4]);
export const START_IP = 0x8000;

/** A booted 2-vCPU SEV-ES machine with the plugin loaded before boot and the AP's code in place. */
export function rig(opts: { plugin?: boolean; options?: ApCreationOptions; hvFeatures?: bigint } = {}) {
  const m = new Machine(
    machineConfig({
      vcpus: 2,
      hypervisor: opts.hvFeatures === undefined ? {} : { hvFeatures: opts.hvFeatures },
    }),
  );
  if (opts.plugin !== false) m.plugins.use(apCreationPlugin, opts.options ?? {}, 'test');
  expect(m.boot()).toBe(true);
  m.memory.write(START_IP, AP_CODE);
  return m;
}
