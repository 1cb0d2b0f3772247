/**
 * The kdump plugin's per-machine state: the crashkernel= setting, what `kdump load` (kexec -p) placed
 * where, and what the crash did. One session per Machine.
 */
import type { Machine } from '../../core/index.ts';
import type { KernelFile } from '../kexec/session.ts';
import { type CrashKernelRegion, DEFAULT_CRASHKERNEL } from './crashkernel.ts';
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
  /** The capture kernel in the region: entry, identity page table, boot info block. */
  capture: { entry: number; pageTable: number; bootInfo: number; end: number };
}

export type CrashCause = { kind: 'sysrq' } | { kind: 'oops'; vector: number };

export interface KdumpCrash {
  cpu: number;
  cause: CrashCause;
  /** CPUs that ran the NMI callback (decremented waiting_for_crash_ipi). */
  stopped: number[];
  /** Online CPUs that had not reported when the wait ended. */
  notStopped: number[];
  /** Who wrote the crashing CPU's note: the model at panic, or the oops entry's code. */
  crashingNoteBy: 'kernel model' | 'oops entry';
  /** Machine instructions at the crash (the VMCOREINFO CRASHTIME stand-in: runs have no wall clock). */
  icount: number;
}

export interface KdumpSession {
  /** crashkernel= as the machine description gives it. */
  crashkernel: string;
  /** APs park in the AP jump table blob instead of halting (for a capture kernel that wants them). */
  parkAps: boolean;
  loaded: KdumpLoaded | null;
  crash: KdumpCrash | null;
  /** The dumps the steps wrote last, for `dumps-compare`. */
  written: { vmcore?: string; hostDump?: string };
}

const sessions = new WeakMap<Machine, KdumpSession>();

export function kdumpSession(machine: Machine): KdumpSession {
  let s = sessions.get(machine);
  if (!s) {
    s = { crashkernel: DEFAULT_CRASHKERNEL, parkAps: false, loaded: null, crash: null, written: {} };
    sessions.set(machine, s);
  }
  return s;
}
