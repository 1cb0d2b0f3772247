/**
 * What kexec -p hands the capture kernel besides its segments: the boot info block (boot_info.inc,
 * plus the capture kernel's CBI_* fields) and, for a capture kernel that brings every CPU back, the
 * low page for its real-mode trampoline (crashkernel.ts DEFAULT_TRAMPOLINE says why it is low memory
 * the first kernel kept, not a segment of the image).
 */
import { hex, type Machine } from '../../core/index.ts';
import { encodeBootInfo } from '../kexec/index.ts';
import { kexecSupported } from '../kexec/kexec-load.ts';
import { kexecSession } from '../kexec/session.ts';
import { CAPTURE_BOOT_INFO } from './blob.ts';
import type { KdumpSession } from './session.ts';

/** One CPU (nr_cpus=1), or every CPU, with the jump table GPA the capture kernel writes (0: none). */
export type CaptureCpus =
  | { kind: 'up' }
  | { kind: 'smp'; jumpTable: bigint }
  | { kind: 'refused'; why: string };

export const TRAMPOLINE_OWNER = "kernel: low memory for the crash kernel's real-mode trampoline";

/** Whether the capture kernel may bring the CPUs back, checked when kexec -p loads it. */
export function captureCpus(machine: Machine, session: KdumpSession): CaptureCpus {
  if (!session.smp || machine.vcpus.length === 1) return { kind: 'up' };
  if (machine.config.sev !== 'es') return { kind: 'smp', jumpTable: 0n };
  // Under SEV-ES a CPU can only come back through the AP jump table and the parking blob: the
  // series' check that kexec_load makes for any image (machine_kexec_prepare).
  const check = kexecSupported(machine, kexecSession(machine));
  if (!check.ok) return { kind: 'refused', why: `smp capture kernel: ${check.message}` };
  const jt = machine.kernel.getApJumpTable(machine.vcpu(0));
  if (!jt.ok || jt.gpa === 0) return { kind: 'refused', why: 'smp capture kernel: no AP jump table' };
  return { kind: 'smp', jumpTable: BigInt(jt.gpa) };
}

/** reserve_real_mode() with crashkernel=: the low page stays out of the first kernel's hands. */
export function reserveTrampoline(machine: Machine, gpa: number): string | null {
  const existing = machine.memory.reservedAt(gpa);
  if (existing?.owner === TRAMPOLINE_OWNER && existing.base === gpa) return null;
  const clash = machine.memory.reservedRanges().find((r) => gpa < r.base + r.length && r.base < gpa + 4096);
  if (clash) return `the trampoline page ${hex(gpa)} overlaps ${clash.owner} at ${hex(clash.base)}`;
  machine.memory.reserve(gpa, 4096, TRAMPOLINE_OWNER);
  return null;
}

export function captureBootInfo(
  machine: Machine,
  cpus: CaptureCpus,
  at: { pageTable: number; onlineFlags: number; trampoline: number },
): Uint8Array {
  const smp = cpus.kind === 'smp';
  const out = new Uint8Array(CAPTURE_BOOT_INFO.size);
  out.set(
    encodeBootInfo({
      jumpTableGpa: smp ? cpus.jumpTable : 0n,
      nrCpus: smp ? machine.vcpus.length : 1,
      sevEs: machine.config.sev === 'es',
      onlineFlagsGpa: at.onlineFlags,
      // The capture kernel never kexecs again (kdump's second kernel only saves the dump).
      kexecControlGpa: 0,
      kexecPgdGpa: 0,
    }),
  );
  const v = new DataView(out.buffer);
  v.setBigUint64(CAPTURE_BOOT_INFO.trampoline, BigInt(smp ? at.trampoline : 0), true);
  v.setBigUint64(CAPTURE_BOOT_INFO.pageTable, BigInt(at.pageTable), true);
  return out;
}
