/**
 * Protocol constants a scenario may write by name instead of by number, in the sources' own spelling
 * (`SVM_EXIT_CPUID`, `SVM_VMGEXIT_AP_JUMP_TABLE`, `GHCB_MSR_SEV_INFO_REQ`, `GHCB_ERR_MISSING_INPUT`).
 */
import { GHCB_ERR, GHCB_MSR, SVM_EXIT, SVM_VMGEXIT } from '../../core/index.ts';

const prefixed = (prefix: string, table: Readonly<Record<string, number>>): Record<string, bigint> =>
  Object.fromEntries(Object.entries(table).map(([k, v]) => [`${prefix}${k}`, BigInt(v)]));

/** Exit codes for sw_exit_code. */
export const EXIT_CODE_NAMES = {
  ...prefixed('SVM_EXIT_', SVM_EXIT),
  ...prefixed('SVM_VMGEXIT_', SVM_VMGEXIT),
};

/** GHCB MSR protocol request and response codes (GHCBInfo[11:0]). */
export const MSR_CODE_NAMES = prefixed('GHCB_MSR_', GHCB_MSR);

/** Malformed-input reasons in sw_exit_info_2. */
export const GHCB_ERR_NAMES = prefixed('GHCB_ERR_', GHCB_ERR);

/** Every named constant, for values that may hold any of them (GHCB fields, registers). */
export const ALL_NAMES: Readonly<Record<string, bigint>> = {
  ...EXIT_CODE_NAMES,
  ...MSR_CODE_NAMES,
  ...GHCB_ERR_NAMES,
};
