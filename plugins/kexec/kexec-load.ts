/**
 * kexec_load / kexec_file_load's architecture check under SEV-ES (the series' machine_kexec_prepare,
 * v3+): -ENOSYS unless the guest is not SEV-ES, has one possible CPU, or has the
 * parking blob installed; SEV-SNP guests are refused (v5+). Before that: whether any kernel runs
 * to make the call at all (none booted, the VM terminated, or the kernel crashed into kdump).
 */
import type { Machine } from '../../core/index.ts';
import type { InstallOutcome } from '../jump-table/index.ts';
import { blobInstalled, type KexecSession } from './session.ts';

export const ENOSYS = -38;

export const KEXEC_REFUSAL = {
  noKernel: 'no kernel is running: none booted, so none could install the AP jump table blob',
  sevSnp: 'SEV-SNP guests start APs with the AP creation event, not the AP jump table',
  ghcbProtocol1: 'GHCB protocol version 1 has no MSR-based AP reset hold (parking needs version 2)',
  noJumpTable: 'the hypervisor reports no AP jump table (AP_JUMP_TABLE GET returned 0) on a multi-CPU guest',
  above4g: 'the AP jump table is above 4 GiB (or its address overflows)',
} as const;
export type KexecRefusalReason = keyof typeof KEXEC_REFUSAL;

export type KexecCheck =
  | { ok: true; why: string }
  /** errno null: no kernel runs, so nothing returns an error code (noKernel). */
  | { ok: false; errno: typeof ENOSYS | null; reason: KexecRefusalReason; message: string };

const refuse = (reason: KexecRefusalReason): KexecCheck =>
  reason === 'noKernel'
    ? { ok: false, errno: null, reason, message: `kexec_load: ${KEXEC_REFUSAL[reason]}` }
    : { ok: false, errno: ENOSYS, reason, message: `kexec_load: -ENOSYS: ${KEXEC_REFUSAL[reason]}` };

type InstallReason = Exclude<InstallOutcome, { kind: 'installed' }>['reason'];

/**
 * Why the running kernel has no blob, from its install outcome. Not listed: 'not-sev-es' (such a
 * guest is allowed before this is read) and 'misaligned' (an unaligned table panics the kernel in
 * setup_real_mode before the install, kernel-boot.ts).
 */
const INSTALL_REFUSAL: Partial<Record<InstallReason, KexecRefusalReason>> = {
  'ghcb-protocol': 'ghcbProtocol1',
  'no-jump-table': 'noJumpTable',
  'above-4g': 'above4g',
  'sev-snp': 'sevSnp',
};

export function kexecSupported(machine: Machine, session: KexecSession): KexecCheck {
  if (machine.config.sev !== 'es')
    return { ok: true, why: 'not an SEV-ES guest: the classic INIT path works' };
  if (session.sevSnp) return refuse('sevSnp');
  if (machine.vcpus.length === 1) return { ok: true, why: 'one possible CPU: no AP to park' };
  if (blobInstalled(session)) return { ok: true, why: 'the AP jump table blob is installed' };
  const i = session.install;
  if (!session.kernel || !i || i.kind === 'installed') return refuse('noKernel');
  const reason = INSTALL_REFUSAL[i.reason];
  if (!reason) throw new Error(`kexec check: a running kernel cannot have the install outcome '${i.reason}'`);
  return refuse(reason);
}

/**
 * What stopped the kernel that was running, read from outside the kexec plugin (kdump registers
 * one: kexec must not depend on it). Returns a sentence, or null while the kernel runs.
 */
export type KernelStopProbe = (machine: Machine) => string | null;

const stopProbes = new WeakMap<Machine, KernelStopProbe[]>();

/** Adds a probe (kdump: "kernel A crashed; the capture kernel runs on cpu1"); returns its removal. */
export function addKernelStopProbe(machine: Machine, probe: KernelStopProbe): () => void {
  const list = stopProbes.get(machine) ?? [];
  list.push(probe);
  stopProbes.set(machine, list);
  return () => {
    const i = list.indexOf(probe);
    if (i >= 0) list.splice(i, 1);
  };
}

/**
 * Why the kernel that booted can no longer call kexec_load or reboot into the loaded image: the VM
 * terminated (every vCPU stopped for good), or the kernel crashed. Null while it runs (or none booted).
 */
export function kernelStopped(machine: Machine, session: KexecSession): string | null {
  if (!session.kernel) return null;
  const t = machine.hv.terminated;
  if (t) return `the VM terminated: ${t.reason}`;
  if (session.kernel.foreign) return `${session.kernel.name} runs on its own (it is not a test kernel)`;
  for (const probe of stopProbes.get(machine) ?? []) {
    const why = probe(machine);
    if (why) return why;
  }
  return null;
}
