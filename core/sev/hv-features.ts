/**
 * Hypervisor feature bitmap (GHCB_MSR_HV_FT_RESP [63:12], SVM_VMGEXIT_HV_FEATURES sw_exit_info_2).
 * Source: sev-common.h GHCB_HV_FT_*; GHCB spec section 2.3.6 / 4.1.9.
 */
export const GHCB_HV_FT = {
  SNP: 1n << 0n,
  SNP_AP_CREATION: 1n << 1n,
  SNP_RESTRICTED_INJ: 1n << 2n,
  SNP_RESTRICTED_INJ_TIMER: 1n << 3n,
} as const;

export const hvFeatureNames = (bitmap: bigint): string[] =>
  Object.entries(GHCB_HV_FT)
    .filter(([, bit]) => (bitmap & bit) !== 0n)
    .map(([name]) => name);
