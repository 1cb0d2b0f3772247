/**
 * Termination reasons: a reason set and a code within it (GHCB_MSR_TERM_REQ [15:12] and [23:16]).
 * Source: sev-common.h SEV_TERM_SET_GEN / SEV_TERM_SET_LINUX and the GHCB_* codes below them.
 */
export const SEV_TERM_SET_GEN = 0;
export const SEV_TERM_SET_LINUX = 1;

/** Set 0 (GHCB spec). */
export const GHCB_SEV_ES_GEN_REQ = 0;
export const GHCB_SEV_ES_PROT_UNSUPPORTED = 1;
export const GHCB_SNP_UNSUPPORTED = 2;

/** Set 1 (Linux). */
export const GHCB_TERM_REGISTER = 0;
export const GHCB_TERM_PSC = 1;
export const GHCB_TERM_PVALIDATE = 2;
export const GHCB_TERM_NOT_VMPL0 = 3;

const NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  [SEV_TERM_SET_GEN]: {
    [GHCB_SEV_ES_GEN_REQ]: 'general request',
    [GHCB_SEV_ES_PROT_UNSUPPORTED]: 'GHCB protocol version unsupported',
    [GHCB_SNP_UNSUPPORTED]: 'SNP unsupported',
  },
  [SEV_TERM_SET_LINUX]: {
    [GHCB_TERM_REGISTER]: 'GHCB registration failed',
    [GHCB_TERM_PSC]: 'page state change failed',
    [GHCB_TERM_PVALIDATE]: 'PVALIDATE failed',
    [GHCB_TERM_NOT_VMPL0]: 'not running at VMPL0',
  },
};

export const terminationReasonText = (set: number, code: number): string =>
  NAMES[set]?.[code] ?? `unknown reason (set ${set}, code ${code})`;
