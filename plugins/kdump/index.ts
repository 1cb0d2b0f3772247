/**
 * The kdump plugin: crash a running test kernel, stop the other CPUs with an NMI shoot-down, boot
 * the capture kernel from the crashkernel= region and write the old kernel's memory as an ELF core,
 * plus the host-side dump that shows why an SEV-ES guest must dump itself (reference section 7).
 *
 * Options: `crashkernel` (Linux syntax, default 16M@64M), `park` (stopped APs park in the AP jump
 * table blob when it is installed, instead of halting).
 */
import { definePlugin } from '../../core/index.ts';
import { crashCommand, hostDumpCommand, kdumpCommand, vmcoreCommand } from './commands.ts';
import { parseCrashKernel } from './crashkernel.ts';
import { kdumpSession } from './session.ts';
import { crashStep, dumpsCompareStep, hostDumpStep, kdumpLoadStep, vmcoreStep } from './steps.ts';

export { CAPTURE_KERNEL_SYMBOLS, CAPTURE_SIGNATURE, CRASH_NMI_SYMBOLS, OOPS_ENTRIES } from './blob.ts';
export { readCoreMemory } from './core-reader.ts';
export { type CrashOutcome, crashKexec } from './crash.ts';
export { type CrashKernelRegion, DEFAULT_CRASHKERNEL, parseCrashKernel } from './crashkernel.ts';
export { type CoreSegment, coreHeaders, writeElfCore } from './elf-core.ts';
export { CRASHKERNEL_OWNER, kdumpLoad, type LoadOutcome } from './load.ts';
export { dumpSegments } from './memory-runs.ts';
export * from './prstatus.ts';
export { type KdumpCrash, type KdumpLoaded, type KdumpSession, kdumpSession } from './session.ts';
export { type DumpOutcome, vmcoreNotes, writeHostDump, writeVmcore } from './vmcore.ts';
export { vmcoreinfoText } from './vmcoreinfo.ts';

export interface KdumpOptions {
  crashkernel?: string;
  park?: boolean;
}

export const kdumpPlugin = definePlugin<KdumpOptions>({
  name: 'kdump',
  setup(api, options) {
    const m = api.machine;
    const session = kdumpSession(m);
    if (options.crashkernel !== undefined) {
      if (typeof options.crashkernel !== 'string')
        throw new Error('option crashkernel takes a string such as 16M@64M');
      const r = parseCrashKernel(options.crashkernel, m.config.memory);
      if (!r.ok) throw new Error(r.message);
      session.crashkernel = options.crashkernel.replace(/^crashkernel=/, '');
    }
    if (options.park !== undefined && typeof options.park !== 'boolean')
      throw new Error('option park takes true or false');
    session.parkAps = options.park === true;
    for (const c of [kdumpCommand, crashCommand, vmcoreCommand, hostDumpCommand]) api.addCommand(c);
    for (const s of [kdumpLoadStep, crashStep, vmcoreStep, hostDumpStep, dumpsCompareStep])
      api.addStep(s as never);
  },
});

export default kdumpPlugin;
