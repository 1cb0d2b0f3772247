/**
 * kexec_load / kexec_file_load's architecture check under SEV-ES (the series' machine_kexec_prepare,
 * v3+): -ENOSYS unless the guest is not SEV-ES, has one possible CPU, or has the
 * parking blob installed; SEV-SNP guests are refused (v5+).
 */
import type { Machine } from '../../core/index.ts';
import { blobInstalled, type KexecSession } from './session.ts';

export const ENOSYS = -38;

export const KEXEC_REFUSAL = {
  notSevEsCapable: 'the AP jump table blob is not installed',
  sevSnp: 'SEV-SNP guests start APs with the AP creation event, not the AP jump table',
  ghcbProtocol1: 'GHCB protocol version 1 has no MSR-based AP reset hold (parking needs version 2)',
  noJumpTable: 'the hypervisor reports no AP jump table (AP_JUMP_TABLE GET returned 0) on a multi-CPU guest',
  misaligned: 'the AP jump table address is not page aligned',
  above4g: 'the AP jump table is above 4 GiB (or its address overflows)',
} as const;
export type KexecRefusalReason = keyof typeof KEXEC_REFUSAL;

export type KexecCheck =
  | { ok: true; why: string }
  | { ok: false; errno: typeof ENOSYS; reason: KexecRefusalReason; message: string };

const refuse = (reason: KexecRefusalReason): KexecCheck => ({
  ok: false,
  errno: ENOSYS,
  reason,
  message: `kexec_load: -ENOSYS: ${KEXEC_REFUSAL[reason]}`,
});

/** Why the running kernel has no blob, from its install outcome. */
const INSTALL_REFUSAL: Record<string, KexecRefusalReason> = {
  'ghcb-protocol': 'ghcbProtocol1',
  'no-jump-table': 'noJumpTable',
  misaligned: 'misaligned',
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
  const reason = (i && i.kind !== 'installed' && INSTALL_REFUSAL[i.reason]) || 'notSevEsCapable';
  return refuse(reason);
}
