/**
 * The kexec plugin's per-machine state: which kernel runs, which image `kexec load` staged, the
 * parking blob the kernel installs and whether it did (sev_ap_jumptable_blob_installed), and
 * what firmware left behind. One session per Machine.
 */
import type { Machine, PluginState } from '../../core/index.ts';
import type { ApJumpTableBlob, InstallOutcome } from '../jump-table/index.ts';
import { loadShippedBlob } from '../jump-table/index.ts';
import type { LoadedKernelFile } from './kernels.ts';

export interface KernelFile extends LoadedKernelFile {
  /** How the user named it: `a`, `b` or a file path. */
  name: string;
  /**
   * The symbols of the test kernels' boot protocol it lacks: such an image (a decompressor, any other
   * ELF) can be the target of kexec -e but then runs on its own, with no report or command words.
   */
  foreign?: readonly string[];
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

/**
 * What the machine's run changes: everything but the plugin options (sevSnp, budget). The blob and its
 * source belong here too: `blob load` on a running kernel installs the blob in guest memory, so a
 * restore that put that memory back but kept the blob would leave `blob show` describing bytes the
 * guest no longer has. The values are replaced, never changed in place, so a shallow copy is a copy.
 */
export type KexecRunState = Pick<
  KexecSession,
  'kernel' | 'loaded' | 'forced' | 'blob' | 'blobSource' | 'install' | 'firmwareDone'
>;

const SHIPPED_BLOB_SOURCE = 'ap_jump_table.bin (shipped)';

/** The state of a machine nothing has booted: no kernel, the shipped blob. */
const initialRunState = (): KexecRunState => ({
  kernel: null,
  loaded: null,
  forced: false,
  blob: loadShippedBlob(),
  blobSource: SHIPPED_BLOB_SOURCE,
  install: null,
  firmwareDone: false,
});

const sessions = new WeakMap<Machine, KexecSession>();

export function kexecSession(machine: Machine): KexecSession {
  let s = sessions.get(machine);
  if (!s) {
    s = { ...initialRunState(), sevSnp: false, budget: null };
    sessions.set(machine, s);
  }
  return s;
}

const runState = (s: KexecSession): KexecRunState => ({
  kernel: s.kernel,
  loaded: s.loaded,
  forced: s.forced,
  blob: s.blob,
  blobSource: s.blobSource,
  install: s.install,
  firmwareDone: s.firmwareDone,
});

/**
 * The session's run state as machine snapshots take it (`api.onSnapshot`). Keyed: kexec and kdump
 * both boot kernels through this session (kdump's `kdump-load: {boot: a}` runs without the kexec
 * plugin), and both register it.
 */
export function kexecSessionState(machine: Machine): PluginState<KexecRunState> {
  return {
    key: 'kexec-session',
    save: () => runState(kexecSession(machine)),
    restore: (saved) => {
      Object.assign(kexecSession(machine), saved ?? initialRunState());
    },
  };
}

/** Instructions one boot, kexec or hotplug step may take: generous, and linear in the vCPU count. */
export function stepBudget(machine: Machine, session: KexecSession): number {
  return session.budget ?? 5_000_000 + machine.vcpus.length * 20_000;
}

/** The blob counts as installed once the running kernel's install succeeded. */
export const blobInstalled = (s: KexecSession): boolean => s.install?.kind === 'installed';
