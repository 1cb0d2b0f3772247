/**
 * The GHCB MSR protocol: MSR_AMD64_SEV_ES_GHCB holds either a GHCB GPA (bits 11:0 zero) or a request/
 * response code in GHCBInfo (11:0) with data in GHCBData (63:12).
 * Source of truth: Linux arch/x86/include/asm/sev-common.h; GHCB spec (AMD 56421) section 2.3.1.
 */

export const MSR_AMD64_SEV_ES_GHCB = 0xc0010130;

/** GHCBInfo[11:0]. */
export const GHCB_MSR_INFO_MASK = 0xfffn;

/** Request and response codes in adjacent pairs, as sev-common.h lists them. */
export const GHCB_MSR = {
  SEV_INFO_RESP: 0x001,
  SEV_INFO_REQ: 0x002,
  CPUID_REQ: 0x004,
  CPUID_RESP: 0x005,
  AP_RESET_HOLD_REQ: 0x006,
  AP_RESET_HOLD_RESP: 0x007,
  PREF_GPA_REQ: 0x010,
  PREF_GPA_RESP: 0x011,
  REG_GPA_REQ: 0x012,
  REG_GPA_RESP: 0x013,
  PSC_REQ: 0x014,
  PSC_RESP: 0x015,
  HV_FT_REQ: 0x080,
  HV_FT_RESP: 0x081,
  TERM_REQ: 0x100,
} as const;
export type GhcbMsrCode = (typeof GHCB_MSR)[keyof typeof GHCB_MSR];

/** `GHCB_MSR_SEV_INFO_REQ` style names by code, for the event log. */
export const GHCB_MSR_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(GHCB_MSR).map(([k, v]) => [v, `GHCB_MSR_${k}`]),
);

/** Requests that exist only for SEV-SNP guests; an SEV-ES VM that sends one is terminated. */
export const SNP_ONLY_MSR_REQUESTS: ReadonlySet<number> = new Set([
  GHCB_MSR.PREF_GPA_REQ,
  GHCB_MSR.REG_GPA_REQ,
  GHCB_MSR.PSC_REQ,
]);

/** CPUID register selector, GHCBData[31:30] of GHCB_MSR_CPUID_REQ. */
export const CPUID_REG = { EAX: 0, EBX: 1, ECX: 2, EDX: 3 } as const;
export type CpuidReg = (typeof CPUID_REG)[keyof typeof CPUID_REG];

/** Guest side of version negotiation (sev-common.h GHCB_PROTOCOL_MIN / GHCB_PROTOCOL_MAX). */
export const GHCB_PROTOCOL_MIN = 1;
export const GHCB_PROTOCOL_MAX = 2;

/** Value of the GHCB page's protocol_version field (the GHCB data structure version). */
export const GHCB_VERSION_1 = 1;

const bits = (value: bigint, lo: number, width: number) =>
  (value >> BigInt(lo)) & ((1n << BigInt(width)) - 1n);
const field = (value: number | bigint, lo: number, width: number) => {
  const v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(width)) {
    throw new RangeError(`value ${v} does not fit in a ${width}-bit GHCB MSR field at bit ${lo}`);
  }
  return v << BigInt(lo);
};

/** GHCBInfo[11:0]. */
export const msrInfo = (value: bigint): number => Number(value & GHCB_MSR_INFO_MASK);

/** GHCB_MSR_SEV_INFO_RESP: [63:48] max version, [47:32] min version, [31:24] C-bit position. */
export const sevInfoResp = (max: number, min: number, cbit: number): bigint =>
  field(max, 48, 16) | field(min, 32, 16) | field(cbit, 24, 8) | BigInt(GHCB_MSR.SEV_INFO_RESP);
export const decodeSevInfo = (value: bigint) => ({
  max: Number(bits(value, 48, 16)),
  min: Number(bits(value, 32, 16)),
  cbit: Number(bits(value, 24, 8)),
});

/** GHCB_MSR_CPUID_REQ: [63:32] function, [31:30] register. The subleaf is always 0. */
export const cpuidReq = (fn: number, reg: CpuidReg): bigint =>
  field(fn, 32, 32) | field(reg, 30, 2) | BigInt(GHCB_MSR.CPUID_REQ);
export const decodeCpuidReq = (value: bigint) => ({
  fn: Number(bits(value, 32, 32)),
  reg: Number(bits(value, 30, 2)) as CpuidReg,
});
/** GHCB_MSR_CPUID_RESP: [63:32] register value. */
export const cpuidResp = (regValue: number): bigint =>
  field(regValue >>> 0, 32, 32) | BigInt(GHCB_MSR.CPUID_RESP);
export const decodeCpuidResp = (value: bigint): number => Number(bits(value, 32, 32));

/** GHCB_MSR_AP_RESET_HOLD_REQ carries no data. */
export const apResetHoldReq = (): bigint => BigInt(GHCB_MSR.AP_RESET_HOLD_REQ);
/** GHCB_MSR_AP_RESET_HOLD_RESP: [63:12] result; 0 = not released by a SIPI, non-zero = released. */
export const apResetHoldResp = (result: number | bigint): bigint =>
  field(result, 12, 52) | BigInt(GHCB_MSR.AP_RESET_HOLD_RESP);
export const decodeApResetHoldResult = (value: bigint): bigint => bits(value, 12, 52);

/** GHCB_MSR_PREF_GPA_RESP: [63:12] GFN; all ones means no preference. */
export const PREF_GPA_NONE = (1n << 52n) - 1n;
export const prefGpaResp = (gfn: bigint): bigint => field(gfn, 12, 52) | BigInt(GHCB_MSR.PREF_GPA_RESP);
/** GHCB_MSR_REG_GPA_REQ / _RESP: [63:12] GFN, echoed in the response. */
export const regGpaReq = (gfn: bigint): bigint => field(gfn, 12, 52) | BigInt(GHCB_MSR.REG_GPA_REQ);
export const regGpaResp = (gfn: bigint): bigint => field(gfn, 12, 52) | BigInt(GHCB_MSR.REG_GPA_RESP);
export const decodeGfn = (value: bigint): bigint => bits(value, 12, 52);

/** GHCB_MSR_PSC_REQ: [55:52] operation, [51:12] GFN. GHCB_MSR_PSC_RESP: [63:32] error code. */
export const PSC_OP = { PRIVATE: 1, SHARED: 2 } as const;
export const pscReq = (op: number, gfn: bigint): bigint =>
  field(op, 52, 4) | field(gfn, 12, 40) | BigInt(GHCB_MSR.PSC_REQ);
export const decodePscReq = (value: bigint) => ({ op: Number(bits(value, 52, 4)), gfn: bits(value, 12, 40) });
export const pscResp = (error: number): bigint => field(error >>> 0, 32, 32) | BigInt(GHCB_MSR.PSC_RESP);

/** GHCB_MSR_HV_FT_RESP: [63:12] feature bitmap. */
export const hvFeaturesReq = (): bigint => BigInt(GHCB_MSR.HV_FT_REQ);
export const hvFeaturesResp = (bitmap: bigint): bigint => field(bitmap, 12, 52) | BigInt(GHCB_MSR.HV_FT_RESP);
export const decodeHvFeatures = (value: bigint): bigint => bits(value, 12, 52);

/** GHCB_MSR_TERM_REQ: [15:12] reason set, [23:16] reason code. */
export const termReq = (set: number, code: number): bigint =>
  field(set, 12, 4) | field(code, 16, 8) | BigInt(GHCB_MSR.TERM_REQ);
export const decodeTermReq = (value: bigint) => ({
  set: Number(bits(value, 12, 4)),
  code: Number(bits(value, 16, 8)),
});
