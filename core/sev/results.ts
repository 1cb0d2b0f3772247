/**
 * What comes back from a VMGEXIT. The low 32 bits of sw_exit_info_1 carry the hypervisor's verdict;
 * sw_exit_info_2 carries the event result, the exception to raise, or the malformed-input reason.
 * Source: GHCB spec section 4.1.6; Linux svm.h / sev-common.h.
 */
export const GHCB_HV_RESP = {
  /** Success or no action; sw_exit_info_2 holds an event-specific result. */
  NO_ACTION: 0,
  /** The hypervisor asks the guest to raise the exception described in sw_exit_info_2. */
  ISSUE_EXCEPTION: 1,
  /** Malformed input (spec 2.03+): sw_exit_info_2 holds a GHCB_ERR_* reason. */
  MALFORMED_INPUT: 2,
} as const;

/** Malformed-input reasons in sw_exit_info_2 (sev-common.h GHCB_ERR_*). */
export const GHCB_ERR = {
  NOT_REGISTERED: 1,
  INVALID_USAGE: 2,
  INVALID_SCRATCH_AREA: 3,
  MISSING_INPUT: 4,
  INVALID_INPUT: 5,
  INVALID_EVENT: 6,
} as const;
export type GhcbErr = (typeof GHCB_ERR)[keyof typeof GHCB_ERR];

export const ghcbErrName = (code: number): string =>
  `GHCB_ERR_${Object.entries(GHCB_ERR).find(([, v]) => v === code)?.[0] ?? `0x${code.toString(16)}`}`;

/**
 * Outcomes of the guest's #VC handling (Linux enum es_result), a closed set:
 * ES_OK handled; ES_UNSUPPORTED no handler for the exit; ES_VMM_ERROR the hypervisor answered wrongly;
 * ES_DECODE_FAILED the instruction could not be decoded; ES_EXCEPTION an exception must be raised in the
 * guest; ES_RETRY the instruction must run again (REP MOVS on MMIO).
 */
export const ES_RESULTS = [
  'ES_OK',
  'ES_UNSUPPORTED',
  'ES_VMM_ERROR',
  'ES_DECODE_FAILED',
  'ES_EXCEPTION',
  'ES_RETRY',
] as const;
export type EsResult = (typeof ES_RESULTS)[number];
