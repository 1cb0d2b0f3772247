/**
 * The kexec plugin's per-machine state: which kernel runs, which image `kexec load` staged, the
 * parking blob the kernel installs and whether it did (sev_ap_jumptable_blob_installed), and
 * what firmware left behind. One session per Machine.
 */
import type { Machine } from '../../core/index.ts';
import type { ApJumpTableBlob, InstallOutcome } from '../jump-table/index.ts';
import { loadShippedBlob } from '../jump-table/index.ts';
import type { LoadedKernelFile } from './kernels.ts';

export interface KernelFile extends LoadedKernelFile {
  /** How the user named it: `a`, `b` or a file path. */
  name: string;
}

export interface KexecSession {
  /** The kernel now running, null before `boot`. */
  kernel: KernelFile | null;
  /** The image staged by `kexec load`, consumed by `kexec exec`. */
  loaded: KernelFile | null;
  /** The load was forced past the kernel's -ENOSYS (to show why the kernel refuses). */
  forced: boolean;
  /** The blob the next install copies: the shipped one unless `blob load` replaced it. */
  blob: ApJumpTableBlob;
  blobSource: string;
  /** The running kernel's install outcome (null: not attempted yet). */
  install: InstallOutcome | null;
  /** cc_platform_has(CC_ATTR_GUEST_SEV_SNP): the guest kernel believes it runs under SNP. */
  sevSnp: boolean;
  /** Firmware parked the APs in its AP loop (SEV-ES) or had nothing to do. */
  firmwareDone: boolean;
  /** Budget of one step (instructions over all vCPUs); scaled by the vCPU count when unset. */
  budget: number | null;
}

const sessions = new WeakMap<Machine, KexecSession>();

export function kexecSession(machine: Machine): KexecSession {
  let s = sessions.get(machine);
  if (!s) {
    s = {
      kernel: null,
      loaded: null,
      forced: false,
      blob: loadShippedBlob(),
      blobSource: 'ap_jump_table.bin (shipped)',
      install: null,
      sevSnp: false,
      firmwareDone: false,
      budget: null,
    };
    sessions.set(machine, s);
  }
  return s;
}

/** Instructions one boot, kexec or hotplug step may take: generous, and linear in the vCPU count. */
export function stepBudget(machine: Machine, session: KexecSession): number {
  return session.budget ?? 5_000_000 + machine.vcpus.length * 20_000;
}

/** The blob counts as installed once the running kernel's install succeeded. */
export const blobInstalled = (s: KexecSession): boolean => s.install?.kind === 'installed';
