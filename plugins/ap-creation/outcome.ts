/**
 * One word for how a request ended, shared by the REPL command and the scenario step: `ok`, the
 * kernel's `EOPNOTSUPP`, or the hypervisor's answer (`GHCB_ERR_INVALID_INPUT`, `exception`, ...).
 */
import { GHCB_HV_RESP, ghcbErrName, hex } from '../../core/index.ts';
import type { ApControlResult } from './guest.ts';

export function outcomeWord(r: ApControlResult): string {
  if (r.ok) return 'ok';
  if (r.error === 'EOPNOTSUPP' || r.exitInfo1 === undefined) return r.error;
  const verdict = Number(r.exitInfo1 & 0xffff_ffffn);
  if (verdict === GHCB_HV_RESP.MALFORMED_INPUT) return ghcbErrName(Number(r.exitInfo2 ?? 0n));
  if (verdict === GHCB_HV_RESP.ISSUE_EXCEPTION) return 'exception';
  return `EINVAL`;
}

/** `ok: VMSA 0x801000` or `GHCB_ERR_INVALID_INPUT: SNP AP CREATE error (info1=0x2 info2=0x5)`. */
export function describeOutcome(r: ApControlResult): string {
  if (r.ok) return `ok: VMSA ${hex(r.vmsaGpa)}`;
  const raw = r.exitInfo1 === undefined ? '' : ` (info1=${hex(r.exitInfo1)} info2=${hex(r.exitInfo2 ?? 0n)})`;
  return `${outcomeWord(r)}: ${r.why}${raw}`;
}

/** Every word `outcomeWord` can return, for the step's `expect` field. */
export const OUTCOME_WORDS = [
  'ok',
  'EOPNOTSUPP',
  'EINVAL',
  'exception',
  'GHCB_ERR_NOT_REGISTERED',
  'GHCB_ERR_INVALID_USAGE',
  'GHCB_ERR_INVALID_SCRATCH_AREA',
  'GHCB_ERR_MISSING_INPUT',
  'GHCB_ERR_INVALID_INPUT',
  'GHCB_ERR_INVALID_EVENT',
] as const;
