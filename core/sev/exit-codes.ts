/**
 * Exit codes that travel in sw_exit_code. Hardware exits that reach the #VC handler as its error code
 * (SVM_EXIT_*, arch/x86/include/uapi/asm/svm.h) and software-defined NAE events (SVM_VMGEXIT_*,
 * GHCB spec table 6). Row order follows the kernel header.
 */
export const SVM_EXIT = {
  READ_DR7: 0x27,
  WRITE_DR7: 0x37,
  EXCP_BASE: 0x40,
  RDTSC: 0x6e,
  RDPMC: 0x6f,
  CPUID: 0x72,
  INVD: 0x76,
  IOIO: 0x7b,
  MSR: 0x7c,
  VMMCALL: 0x81,
  RDTSCP: 0x87,
  WBINVD: 0x89,
  MONITOR: 0x8a,
  MWAIT: 0x8b,
  NPF: 0x400,
} as const;

export const SVM_VMGEXIT = {
  MMIO_READ: 0x80000001,
  MMIO_WRITE: 0x80000002,
  NMI_COMPLETE: 0x80000003,
  AP_HLT_LOOP: 0x80000004,
  AP_JUMP_TABLE: 0x80000005,
  PSC: 0x80000010,
  GUEST_REQUEST: 0x80000011,
  EXT_GUEST_REQUEST: 0x80000012,
  AP_CREATION: 0x80000013,
  HV_FEATURES: 0x8000fffd,
  TERM_REQUEST: 0x8000fffe,
  UNSUPPORTED_EVENT: 0x8000ffff,
} as const;

/** AP_JUMP_TABLE sub-functions in sw_exit_info_1. */
export const SVM_VMGEXIT_SET_AP_JUMP_TABLE = 0;
export const SVM_VMGEXIT_GET_AP_JUMP_TABLE = 1;

/** SVM_EXIT_MSR: sw_exit_info_1 is 1 for WRMSR, 0 for RDMSR. */
export const MSR_EXIT_WRITE = 1;

/** SVM_EXIT_IOIO sw_exit_info_1 fields (AMD APM vol. 2, 15.10.2 "IN and OUT Behavior"). */
export const IOIO = {
  TYPE_IN: 1 << 0,
  STR: 1 << 2,
  REP: 1 << 3,
  SZ8: 1 << 4,
  SZ16: 1 << 5,
  SZ32: 1 << 6,
  A16: 1 << 7,
  A32: 1 << 8,
  A64: 1 << 9,
  SEG_SHIFT: 10,
  PORT_SHIFT: 16,
} as const;

const NAMES: ReadonlyMap<number, string> = new Map([
  ...Object.entries(SVM_EXIT).map(([k, v]) => [v, `SVM_EXIT_${k}`] as const),
  ...Object.entries(SVM_VMGEXIT).map(([k, v]) => [v, `SVM_VMGEXIT_${k}`] as const),
]);

/** `SVM_EXIT_CPUID`, `SVM_VMGEXIT_AP_JUMP_TABLE`, or the hex value for codes nobody named. */
export const exitCodeName = (code: number | bigint): string =>
  NAMES.get(Number(code)) ?? `0x${BigInt(code).toString(16)}`;
