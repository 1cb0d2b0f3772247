/**
 * The kdump plugin: crash a running test kernel, stop the other CPUs with an NMI shoot-down, boot
 * the capture kernel from the crashkernel= region and write the old kernel's memory as an ELF core,
 * plus the host-side dump that shows why an SEV-ES guest must dump itself (the host reads private
 * pages as ciphertext: AMD APM Vol. 2, "Secure Encrypted Virtualization").
 *
 * A crash is sysrq-c (the `crash` command and step), a panic() in the guest kernel model (the
 * plugin's panic handler is __crash_kexec), or a fault the test kernel has no handler for, which
 * runs the whole crash path as guest code inside whatever run it happens in.
 *
 * Options:
 * - `crashkernel`: the reservation in Linux syntax, default 16M@64M.
 * - `park`: stopped APs park in the AP jump table blob (when the kernel installed it) instead of
 *   halting.
 * - `smp`: the capture kernel brings every CPU back (implies `park`): under SEV-ES through the jump
 *   table, which needs the blob (the series' kexec check), on a plain VM with INIT-SIPI-SIPI.
 *   Default false: the capture kernel runs on the crashing CPU alone, as with nr_cpus=1. Under
 *   SEV-ES the old boot CPU does not come back when another CPU crashed: it never got a SIPI, and
 *   KVM takes the first one as the launch SIPI (sev_vcpu_deliver_sipi_vector).
 * - `trampoline`: the page below 1 MiB the first kernel keeps for the capture kernel's real-mode
 *   trampoline (default 0x70000; crashkernel.ts DEFAULT_TRAMPOLINE says why it is not in the
 *   crashkernel= region).
 */
import { definePlugin } from '../../core/index.ts';
import { addKernelStopProbe } from '../kexec/kexec-load.ts';
import { kexecSessionState } from '../kexec/session.ts';
import { crashCommand, hostDumpCommand, kdumpCommand, vmcoreCommand } from './commands.ts';
import { crashedKernel, crashKexecOnPanic } from './crash.ts';
import { DEFAULT_TRAMPOLINE, parseCrashKernel, trampolineProblem } from './crashkernel.ts';
import { kdumpSession, kdumpSessionState } from './session.ts';
import { crashStep, dumpsCompareStep, hostDumpStep, kdumpLoadStep, vmcoreStep } from './steps.ts';

export {
  CAPTURE_BOOT_INFO,
  CAPTURE_KERNEL_SYMBOLS,
  CAPTURE_SIGNATURE,
  CRASH_NMI_SYMBOLS,
  OOPS_ENTRIES,
} from './blob.ts';
export { type CaptureCpus, captureCpus, TRAMPOLINE_OWNER } from './capture-boot.ts';
export { readCoreMemory } from './core-reader.ts';
export {
  awaitCapture,
  type CrashOutcome,
  crashedKernel,
  crashKexec,
  crashKexecOnPanic,
  crashRefusal,
  SYSRQ_CRASH_MESSAGE,
} from './crash.ts';
export { type CrashState, crashState, type KdumpCrash, kdumpCrash, oldKernelOnline } from './crash-state.ts';
export {
  type CrashKernelRegion,
  DEFAULT_CRASHKERNEL,
  DEFAULT_TRAMPOLINE,
  parseCrashKernel,
  trampolineProblem,
} from './crashkernel.ts';
export { type CoreSegment, coreHeaders, writeElfCore } from './elf-core.ts';
export { CRASHKERNEL_OWNER, kdumpLoad, type LoadOutcome } from './load.ts';
export { dumpSegments } from './memory-runs.ts';
export * from './prstatus.ts';
export {
  type CrashCause,
  type KdumpLoaded,
  type KdumpRunState,
  type KdumpSession,
  kdumpSession,
  kdumpSessionState,
} from './session.ts';
export { type DumpOutcome, vmcoreNotes, writeHostDump, writeVmcore } from './vmcore.ts';
export { vmcoreinfoText } from './vmcoreinfo.ts';

export interface KdumpOptions {
  crashkernel?: string;
  park?: boolean;
  smp?: boolean;
  trampoline?: number;
}

export const kdumpPlugin = definePlugin<KdumpOptions>({
  name: 'kdump',
  optionKeys: ['crashkernel', 'park', 'smp', 'trampoline'],
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
    if (options.smp !== undefined && typeof options.smp !== 'boolean')
      throw new Error('option smp takes true or false');
    session.smp = options.smp === true;
    if (options.trampoline !== undefined) {
      const why = trampolineProblem(options.trampoline);
      if (why) throw new Error(why);
    }
    session.trampoline = options.trampoline ?? DEFAULT_TRAMPOLINE;
    api.onSnapshot(kdumpSessionState(m));
    // kdump-load {boot: a} boots through the kexec session, with or without the kexec plugin.
    api.onSnapshot(kexecSessionState(m));
    api.onPanic(crashKexecOnPanic(m));
    addKernelStopProbe(m, crashedKernel);
    for (const c of [kdumpCommand, crashCommand, vmcoreCommand, hostDumpCommand]) api.addCommand(c);
    for (const s of [kdumpLoadStep, crashStep, vmcoreStep, hostDumpStep, dumpsCompareStep])
      api.addStep(s as never);
  },
});

export default kdumpPlugin;
