/**
 * The MMIO plugin: the guest kernel's #VC handler for MMIO (SVM_EXIT_NPF), with MOVS through a bounce
 * buffer and CLFLUSH skipped, plus commands and steps for the platform devices and the decompressor
 * image of the seed's kexec case. Without it the guest kernel model knows only the early #VC exits
 * (CPUID, IOIO, MSR, ...) and an MMIO access ends the guest, as it did before the series.
 */
import { definePlugin, hex } from '../../core/index.ts';
import {
  decompressorCommand,
  decompressorStartStep,
  regfileCommand,
  serialCommand,
  vgaCommand,
  vgaShowsStep,
} from './commands.ts';
import { npfVcHandler } from './npf-vc.ts';

export { screenText } from './commands.ts';
export { DECOMPRESSOR_SYMBOLS } from './decompressor.symbols.ts';
export {
  DECOMPRESSOR_ELF,
  DECOMPRESSOR_STATUS,
  decompressorStatus,
  readDecompressor,
  startDecompressor,
} from './decompressor.ts';
export { handleMmio, npfVcHandler } from './npf-vc.ts';

export interface MmioPluginOptions {
  /**
   * Register the NPF #VC handler (default true). false keeps the commands and steps but leaves the
   * guest kernel with only its early #VC handlers, as before "x86/sev: Add MMIO handling support to
   * boot/compressed/ code".
   */
  emulate?: boolean;
}

export const mmioPlugin = definePlugin<MmioPluginOptions>({
  name: 'mmio',
  optionKeys: ['emulate'],
  setup(api, options) {
    const emulate = options.emulate ?? true;
    if (typeof emulate !== 'boolean')
      throw new Error(`option emulate is ${JSON.stringify(emulate)}: give true or false`);
    const m = api.machine;
    if (emulate)
      api.onVc(
        npfVcHandler((ctx, message) =>
          m.log.append({
            kind: 'log',
            vcpu: ctx.vcpu.index,
            source: 'kernel',
            message: `${message} at RIP ${hex(ctx.regs.get('rip'))}`,
          }),
        ),
      );
    for (const c of [vgaCommand, serialCommand, regfileCommand, decompressorCommand]) api.addCommand(c);
    api.addStep(vgaShowsStep as never);
    api.addStep(decompressorStartStep as never);
  },
});

export default mmioPlugin;
