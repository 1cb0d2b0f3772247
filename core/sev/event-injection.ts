/**
 * SVM event-injection format, used in sw_exit_info_2 when sw_exit_info_1 = 1 (issue exception):
 * vector [7:0], type [10:8], error-code valid [11], valid [31], error code [63:32].
 * Source: arch/x86/include/asm/svm.h SVM_EVTINJ_*.
 */
export const SVM_EVTINJ_VEC_MASK = 0xff;
export const SVM_EVTINJ_TYPE_SHIFT = 8;
export const SVM_EVTINJ_TYPE_MASK = 7 << SVM_EVTINJ_TYPE_SHIFT;
export const SVM_EVTINJ_TYPE_INTR = 0 << SVM_EVTINJ_TYPE_SHIFT;
export const SVM_EVTINJ_TYPE_NMI = 2 << SVM_EVTINJ_TYPE_SHIFT;
export const SVM_EVTINJ_TYPE_EXEPT = 3 << SVM_EVTINJ_TYPE_SHIFT;
export const SVM_EVTINJ_TYPE_SOFT = 4 << SVM_EVTINJ_TYPE_SHIFT;
export const SVM_EVTINJ_VALID_ERR = 1 << 11;
export const SVM_EVTINJ_VALID = 2 ** 31;

export const X86_TRAP_UD = 6;
export const X86_TRAP_GP = 13;
export const X86_TRAP_VC = 29;

export interface EventInjection {
  vector: number;
  type: number;
  errorCodeValid: boolean;
  valid: boolean;
  errorCode: number;
}

export const encodeEventInjection = (e: EventInjection): bigint =>
  (BigInt(e.errorCode >>> 0) << 32n) |
  BigInt(
    (e.valid ? SVM_EVTINJ_VALID : 0) +
      ((e.errorCodeValid ? SVM_EVTINJ_VALID_ERR : 0) |
        ((e.type & 7) << SVM_EVTINJ_TYPE_SHIFT) |
        (e.vector & SVM_EVTINJ_VEC_MASK)),
  );

export const decodeEventInjection = (value: bigint): EventInjection => {
  const lo = Number(value & 0xffffffffn);
  return {
    vector: lo & SVM_EVTINJ_VEC_MASK,
    type: (lo & SVM_EVTINJ_TYPE_MASK) >> SVM_EVTINJ_TYPE_SHIFT,
    errorCodeValid: (lo & SVM_EVTINJ_VALID_ERR) !== 0,
    valid: lo >= SVM_EVTINJ_VALID,
    errorCode: Number(value >> 32n),
  };
};

/** An exception the hypervisor may legitimately ask for: #GP or #UD, valid, of type exception
 *  (Linux verify_exception_info; anything else is ES_VMM_ERROR). */
export const isAcceptableExceptionRequest = (e: EventInjection): boolean =>
  e.valid &&
  e.type === SVM_EVTINJ_TYPE_EXEPT >> SVM_EVTINJ_TYPE_SHIFT &&
  (e.vector === X86_TRAP_GP || e.vector === X86_TRAP_UD);
