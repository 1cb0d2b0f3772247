/**
 * The kexec plugin: test kernels booted and kexec'ed on the emulator, with the AP jump table blob
 * parking the APs under SEV-ES. Options: `sevSnp` (the guest kernel believes it runs under SEV-SNP,
 * so kexec is refused as in v5+) and `budget` (instructions one step may take).
 */
import { definePlugin } from '../../core/index.ts';
import { blobCommand, bootCommand, cpuCommand, kexecCommand } from './commands.ts';
import { kexecSession, kexecSessionState } from './session.ts';
import {
  blobStep,
  bootStep,
  cpuOfflineStep,
  cpuOnlineStep,
  kexecExecStep,
  kexecLoadStep,
  spuriousWakeStep,
} from './steps.ts';

export interface KexecPluginOptions {
  sevSnp?: boolean;
  budget?: number | bigint;
}

export const kexecPlugin = definePlugin<KexecPluginOptions>({
  name: 'kexec',
  optionKeys: ['sevSnp', 'budget'],
  setup(api, options = {}) {
    const s = kexecSession(api.machine);
    if (options.sevSnp !== undefined) {
      if (typeof options.sevSnp !== 'boolean') throw new Error('option sevSnp: expected true or false');
      s.sevSnp = options.sevSnp;
    }
    if (options.budget !== undefined) {
      // YAML integers may arrive as bigint.
      const budget = Number(options.budget);
      if (!Number.isInteger(budget) || budget < 1)
        throw new Error('option budget: expected a positive instruction count such as 50000000');
      s.budget = budget;
    }
    api.onSnapshot(kexecSessionState(api.machine));
    for (const c of [bootCommand, kexecCommand, blobCommand, cpuCommand]) api.addCommand(c);
    for (const st of [
      bootStep,
      kexecLoadStep,
      kexecExecStep,
      cpuOfflineStep,
      cpuOnlineStep,
      blobStep,
      spuriousWakeStep,
    ])
      api.addStep(st as never);
  },
});
