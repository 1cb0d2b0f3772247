/**
 * The kdump plugin's per-machine state: the crashkernel= setting, what `kdump load` (kexec -p) placed
 * where, and the cause the model's panic() gave. What the crash did is read back from guest memory
 * (crash-state.ts). One session per Machine.
 */
import type { Machine, PluginState } from '../../core/index.ts';
import type { KernelFile } from '../kexec/session.ts';
import { type CrashKernelRegion, DEFAULT_CRASHKERNEL, DEFAULT_TRAMPOLINE } from './crashkernel.ts';
import type { VmcoreinfoInput } from './vmcoreinfo.ts';

/** Where the kernel model put the crash machinery: the old kernel's memory and the reserved region. */
export interface KdumpLoaded {
  region: CrashKernelRegion;
  /** The kernel that was running at load time: the one that will crash. */
  kernel: KernelFile;
  /** GPA of the crash code blob (asm/crash_nmi.S) in kernel-owned memory. */
  blob: number;
  /** GPA of CPU 0's crash_notes slot; CPU n's is CRASH_NOTE_BYTES * n above. */
  notes: number;
  /** GPA of the VMCOREINFO note (vmcoreinfo_note). */
  vmcoreinfo: number;
  vmcoreinfoInput: VmcoreinfoInput;
  /** The capture kernel in the region: entry, identity page table, boot info block, online mask. */
  capture: { entry: number; pageTable: number; bootInfo: number; onlineFlags: number; end: number };
  /** The capture kernel brings every CPU back (else it runs on the crashing CPU alone). */
  smp: boolean;
}

/** Why the kernel crashed: sysrq-c, a panic() in the kernel model, or an oops (a fault's vector). */
export type CrashCause =
  | { kind: 'sysrq' }
  | { kind: 'panic'; message: string }
  | { kind: 'oops'; vector: number };

export interface KdumpSession {
  /** crashkernel= as the machine description gives it. */
  crashkernel: string;
  /** APs park in the AP jump table blob instead of halting (for a capture kernel that wants them). */
  parkAps: boolean;
  /** The capture kernel brings every CPU back through the AP jump table (or INIT-SIPI on a plain VM). */
  smp: boolean;
  /** GPA of the low page kept at boot for the capture kernel's real-mode trampoline. */
  trampoline: number;
  loaded: KdumpLoaded | null;
  /** The cause the model's panic() gave when it entered the crash path (an oops is read from memory). */
  panicCause: CrashCause | null;
  /** The dumps the steps wrote last, for `dumps-compare`. */
  written: { vmcore?: string; hostDump?: string };
}

/**
 * What the machine's run changes: the options (crashkernel, parkAps, smp, trampoline) stay as setup
 * set them. `written` goes back too: the files stay on disk, but `dumps-compare` must not compare a
 * dump of a run the restore undid. `loaded` and `panicCause` are replaced, never changed in place.
 */
export type KdumpRunState = Pick<KdumpSession, 'loaded' | 'panicCause' | 'written'>;

const initialRunState = (): KdumpRunState => ({ loaded: null, panicCause: null, written: {} });

const sessions = new WeakMap<Machine, KdumpSession>();

export function kdumpSession(machine: Machine): KdumpSession {
  let s = sessions.get(machine);
  if (!s) {
    s = {
      crashkernel: DEFAULT_CRASHKERNEL,
      parkAps: false,
      smp: false,
      trampoline: DEFAULT_TRAMPOLINE,
      ...initialRunState(),
    };
    sessions.set(machine, s);
  }
  return s;
}

const copy = (s: KdumpRunState): KdumpRunState => ({
  loaded: s.loaded,
  panicCause: s.panicCause,
  written: { ...s.written },
});

/** The session's run state as machine snapshots take it (`api.onSnapshot`). */
export function kdumpSessionState(machine: Machine): PluginState<KdumpRunState> {
  return {
    save: () => copy(kdumpSession(machine)),
    restore: (saved) => {
      Object.assign(kdumpSession(machine), saved ? copy(saved) : initialRunState());
    },
  };
}
