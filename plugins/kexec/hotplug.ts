/**
 * CPU offlining and onlining (echo 0/1 > /sys/devices/system/cpu/cpuN/online): the BSP's cpu_down()
 * sends the CPU into play_dead(), which parks it in the blob (or, without the blob, the GHCB-form AP
 * HLT loop; on a plain VM a HLT); cpu_up() wakes it with INIT-SIPI-SIPI through the same reset
 * vector as kexec. The kernel code runs in the interpreter; the model writes the command.
 */
import type { Machine } from '../../core/index.ts';
import { bootField, lastReport, onlineFlags } from './boot-block.ts';
import { BOOT_COMMAND, type KernelReport, REPORT_EVENT } from './boot-info.ts';
import { kernelId } from './kernel-boot.ts';
import { runUntil } from './run-until.ts';
import { type KexecSession, stepBudget } from './session.ts';

export type HotplugOutcome =
  | { kind: 'done'; cpu: number; online: boolean; report: KernelReport; state: string }
  | { kind: 'refused'; why: string }
  | { kind: 'failed'; why: string };

const COMMAND = { down: BOOT_COMMAND.cpuDown, up: BOOT_COMMAND.cpuUp } as const;
const EVENT = { down: REPORT_EVENT.cpuDown, up: REPORT_EVENT.cpuUp } as const;

export function cpuHotplug(
  machine: Machine,
  session: KexecSession,
  cpu: number,
  dir: 'down' | 'up',
): HotplugOutcome {
  const k = session.kernel;
  if (!k) return { kind: 'refused', why: 'no kernel is running: boot one first (boot a)' };
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= machine.vcpus.length)
    return {
      kind: 'refused',
      why: `there is no CPU ${cpu}: this guest has CPUs 0 to ${machine.vcpus.length - 1}`,
    };
  if (cpu === 0) return { kind: 'refused', why: 'CPU 0 is the boot CPU, which this kernel cannot offline' };
  const online = onlineFlags(machine)[cpu] !== 0;
  if (dir === 'down' && !online) return { kind: 'refused', why: `CPU ${cpu} is already offline` };
  if (dir === 'up' && online) return { kind: 'refused', why: `CPU ${cpu} is already online` };
  const id = kernelId(k);
  const v = machine.vcpu(cpu);
  bootField.write32(machine, 'result', 0);
  bootField.write32(machine, 'arg', cpu);
  bootField.write32(machine, 'command', COMMAND[dir]);
  // As for kexec: the dying CPU clears its online flag before it reaches its hold; wait for both.
  const r = runUntil(
    machine,
    `cpu ${dir === 'down' ? 'offline' : 'online'} ${cpu} did not finish`,
    () => {
      const rep = lastReport(machine);
      return (
        rep !== null &&
        rep.kernelId === id &&
        rep.event === EVENT[dir] &&
        (dir === 'up' || v.state !== 'running')
      );
    },
    stepBudget(machine, session),
  );
  if (r.kind === 'stuck') return { kind: 'failed', why: r.why };
  return {
    kind: 'done',
    cpu,
    online: onlineFlags(machine)[cpu] !== 0,
    report: lastReport(machine)!,
    state: v.state,
  };
}
