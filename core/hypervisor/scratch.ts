import { GHCB_SHARED_BUFFER } from '../sev/ghcb-layout.ts';
import { GHCB_ERR } from '../sev/results.ts';

/** KVM GHCB_SCRATCH_AREA_LIMIT: 16 pages outside the GHCB. */
export const GHCB_SCRATCH_AREA_LIMIT = 16 * 4096;

export type ScratchCheck =
  | { ok: true; gpa: number; inGhcb: boolean }
  | { ok: false; error: number; why: string };

/**
 * KVM setup_vmgexit_scratch(): the scratch area the guest names in sw_scratch must be non-zero, must not
 * wrap, must lie wholly inside the shared buffer when it starts inside the GHCB page, and is limited to
 * 64 KiB elsewhere. Every failure is GHCB_ERR_INVALID_SCRATCH_AREA; the VM keeps running.
 */
export function checkScratch(
  scratchGpa: bigint,
  length: bigint,
  ghcbGpa: number,
  isMapped: (gpa: number, length: number) => boolean,
): ScratchCheck {
  const fail = (why: string): ScratchCheck => ({ ok: false, error: GHCB_ERR.INVALID_SCRATCH_AREA, why });
  if (scratchGpa === 0n) return fail('scratch GPA not provided');
  const end = scratchGpa + length;
  // Why: a guest-chosen start + length must not wrap around the 64-bit space (KVM's "scratch area
  // overflow" check); the maths here is in bigint, so check against 2^64 explicitly.
  if (end >= 1n << 64n || end < scratchGpa) return fail('scratch area wraps around');
  const ghcbBuf = BigInt(ghcbGpa + GHCB_SHARED_BUFFER.offset);
  const ghcbBufEnd = ghcbBuf + BigInt(GHCB_SHARED_BUFFER.size);
  const pageStart = BigInt(ghcbGpa);
  if (scratchGpa >= pageStart && scratchGpa < pageStart + 4096n) {
    if (scratchGpa < ghcbBuf || end > ghcbBufEnd)
      return fail('scratch area is inside the GHCB but outside its shared buffer');
    return { ok: true, gpa: Number(scratchGpa), inGhcb: true };
  }
  if (length > BigInt(GHCB_SCRATCH_AREA_LIMIT))
    return fail(`scratch area is longer than ${GHCB_SCRATCH_AREA_LIMIT} bytes`);
  if (!isMapped(Number(scratchGpa), Number(length))) return fail('scratch area is not guest memory');
  return { ok: true, gpa: Number(scratchGpa), inGhcb: false };
}
