/**
 * What the crash left in guest memory, read back for reports and for /proc/vmcore: the crash path
 * runs as guest code (a fault needs no help from the kernel model), so the state lives in the crash
 * code's data slots, the per-CPU crash notes, the VMCOREINFO note and the capture kernel's boot info
 * block, not in the model.
 */
import type { Machine } from '../../core/index.ts';
import { BOOT_INFO, symbolValue } from '../kexec/index.ts';
import { CAPTURE_SIGNATURE, CRASH_NMI_SYMBOLS } from './blob.ts';
import { CRASH_NOTE_BYTES } from './prstatus.ts';
import { type CrashCause, type KdumpLoaded, kdumpSession } from './session.ts';
import { splitNotes, VMCOREINFO_BYTES } from './vmcoreinfo.ts';

export interface KdumpCrash {
  cpu: number;
  cause: CrashCause;
  /** CPUs that ran the NMI callback (their crash notes are written). */
  stopped: number[];
  /** Online CPUs of the old kernel that had not answered when the shoot-down stopped waiting. */
  notStopped: number[];
  /** Who wrote the crashing CPU's note: the model's panic(), or the oops entry's code. */
  crashingNoteBy: 'kernel model' | 'oops entry';
  /** CRASHTIME of the VMCOREINFO note (the TSC at the crash: runs have no wall clock), if written. */
  crashTime: number | null;
  /** CPUs the capture kernel reports online (its BI_RESULT), its boot CPU included. */
  captureCpus: number;
}

/** Nothing yet, the crash path under way (the capture kernel not started yet), or captured. */
export type CrashState =
  | { kind: 'none' }
  | { kind: 'crashing'; cpu: number }
  | { kind: 'captured'; crash: KdumpCrash };

const slot = (machine: Machine, loaded: KdumpLoaded, name: keyof typeof CRASH_NMI_SYMBOLS) =>
  machine.memory.read32(loaded.blob + CRASH_NMI_SYMBOLS[name]);

/** cpu_online_mask of the old kernel (its online_flags array), as the crash left it. */
export function oldKernelOnline(machine: Machine, loaded: KdumpLoaded): number[] {
  const image = loaded.kernel.image;
  const flags = Number(machine.memory.read64(symbolValue(image, 'online_flags')));
  const n = Math.min(machine.memory.read32(symbolValue(image, 'nr_cpus')), machine.vcpus.length);
  return [...machine.memory.read(flags, n)].flatMap((f, i) => (f !== 0 ? [i] : []));
}

function crashTime(machine: Machine, loaded: KdumpLoaded): number | null {
  const note = splitNotes(machine.memory.read(loaded.vmcoreinfo, VMCOREINFO_BYTES))[0];
  if (!note) return null;
  const m = /^CRASHTIME=(\d+)$/m.exec(new TextDecoder().decode(note.subarray(24)));
  return m ? Number(m[1]) : null;
}

export function crashState(machine: Machine): CrashState {
  const s = kdumpSession(machine);
  const loaded = s.loaded;
  if (!loaded) return { kind: 'none' };
  const who = slot(machine, loaded, 'crash_kexec_cpu');
  if (who === 0) return { kind: 'none' };
  const cpu = who - 1;
  const bootInfo = loaded.capture.bootInfo;
  if (machine.memory.read32(bootInfo + BOOT_INFO.signature) !== CAPTURE_SIGNATURE)
    return { kind: 'crashing', cpu };
  const oops = slot(machine, loaded, 'crash_oops_cpu') === who;
  const others = oldKernelOnline(machine, loaded).filter((i) => i !== cpu);
  const noted = (i: number) => machine.memory.read32(loaded.notes + i * CRASH_NOTE_BYTES) !== 0;
  return {
    kind: 'captured',
    crash: {
      cpu,
      cause: oops
        ? { kind: 'oops', vector: slot(machine, loaded, 'crash_oops_vector') }
        : (s.panicCause ?? { kind: 'panic', message: '' }),
      stopped: others.filter(noted),
      notStopped: others.filter((i) => !noted(i)),
      crashingNoteBy: oops ? 'oops entry' : 'kernel model',
      crashTime: crashTime(machine, loaded),
      captureCpus: machine.memory.read32(bootInfo + BOOT_INFO.result) & 0xffff,
    },
  };
}

/** The crash once the capture kernel runs, else null. */
export function kdumpCrash(machine: Machine): KdumpCrash | null {
  const s = crashState(machine);
  return s.kind === 'captured' ? s.crash : null;
}
