/**
 * kexec -e: machine_shutdown() stops the other CPUs (the old kernel's own code: REBOOT_VECTOR,
 * stop_this_cpu, the park path and the blob), machine_kexec()/relocate_kernel copy the new image
 * into place and enter it on the BSP, and the new kernel brings the APs up again through the AP jump
 * table (SEV-ES) or the classic INIT-SIPI-SIPI (plain VM). The model writes only what the C and
 * user-space parts would: the command, the segments, the boot info block and the entry address.
 */
import type { Machine } from '../../core/index.ts';
import { bootField, lastReport } from './boot-block.ts';
import { BOOT_COMMAND, type KernelReport, REPORT_EVENT } from './boot-info.ts';
import { awaitKernel, imageProblem, kernelId, placeKernel } from './kernel-boot.ts';
import { LOADER_LAYOUT } from './layout.ts';
import { runUntil, vcpuStates } from './run-until.ts';
import { type KexecSession, stepBudget } from './session.ts';

export type KexecExecOutcome =
  | { kind: 'booted'; from: string; to: string; stopped: KernelReport; booted: KernelReport; nrCpus: number }
  /** A foreign image: the BSP reached its entry; what it does next is its own business. */
  | { kind: 'entered'; from: string; to: string; stopped: KernelReport; entry: number }
  | { kind: 'failed'; why: string };

/** A stopped AP is parked (hold), halted in the old kernel, or already out of the old kernel's hands. */
const RUNNING = 'running';

export function kexecExec(machine: Machine, session: KexecSession): KexecExecOutcome {
  const old = session.kernel;
  const next = session.loaded;
  if (!old) return { kind: 'failed', why: 'no kernel is running: boot one first (boot a)' };
  if (!next) return { kind: 'failed', why: 'no image is loaded: kexec load a|b|c|FILE first' };
  const problem = imageProblem(machine, next);
  if (problem) return { kind: 'failed', why: problem };
  const budget = stepBudget(machine, session);
  const oldId = kernelId(old);
  bootField.write32(machine, 'result', 0);
  bootField.write64(machine, 'kexecEntry', 0n);
  bootField.write32(machine, 'command', BOOT_COMMAND.kexec);
  const aps = machine.vcpus.slice(1);
  const bsp = machine.vcpus[0]!.cpu;
  const control = LOADER_LAYOUT.kexecControl;
  // Why wait for the APs too: an AP clears its online flag before it reaches the park loop (as in
  // Linux), so the BSP's report can come while an AP is still on its way down. The real kernel's
  // timing (relocate_kernel, the purgatory, the new kernel's early boot) gives every AP far longer
  // than that; here the next kernel starts only once no AP still runs old-kernel code, and the BSP
  // runs relocate_kernel from the control page, off the old image's code, stack and page table.
  const stopped = runUntil(
    machine,
    `kernel ${old.name} did not stop the other CPUs`,
    () => {
      const r = lastReport(machine);
      const rip = Number(bsp.getReg('rip'));
      return (
        r !== null &&
        r.kernelId === oldId &&
        r.event === REPORT_EVENT.cpusStopped &&
        rip >= control &&
        rip < control + 0x1000 &&
        aps.every((v) => v.state !== RUNNING)
      );
    },
    budget,
  );
  if (stopped.kind === 'stuck') return { kind: 'failed', why: stopped.why };
  const stopReport = lastReport(machine)!;
  // relocate_kernel: the segments are copied into place only now, after every CPU left the old kernel.
  placeKernel(machine, next);
  session.loaded = null;
  session.forced = false;
  bootField.write64(machine, 'kexecEntry', BigInt(next.image.entry));
  if (next.foreign) {
    // Stop where relocate_kernel hands over: the image then runs when the user runs the machine.
    const hook = bsp.addCodeHook(next.image.entry, () => 'stop');
    const stop = machine.run({ maxInstructions: budget });
    bsp.removeHook(hook);
    if (stop.kind !== 'breakpoint')
      return {
        kind: 'failed',
        why: `cpu0 did not reach ${next.name}'s entry (${stop.kind}); vCPUs: ${vcpuStates(machine)}`,
      };
    session.kernel = next;
    session.install = null;
    return { kind: 'entered', from: old.name, to: next.name, stopped: stopReport, entry: next.image.entry };
  }
  const booted = awaitKernel(machine, session, next);
  if (booted.kind === 'failed') return booted;
  return {
    kind: 'booted',
    from: old.name,
    to: next.name,
    stopped: stopReport,
    booted: booted.report,
    nrCpus: booted.nrCpus,
  };
}
