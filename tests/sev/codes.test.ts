// Values from the GHCB specification (AMD 56421) and Linux arch/x86/include/asm/sev-common.h and svm.h.
import { describe, expect, test } from 'bun:test';
import * as ev from '../../core/sev/event-injection.ts';
import { exitCodeName, SVM_EXIT, SVM_VMGEXIT } from '../../core/sev/exit-codes.ts';
import { GHCB_HV_FT } from '../../core/sev/hv-features.ts';
import { GHCB_ERR, GHCB_HV_RESP } from '../../core/sev/results.ts';
import * as term from '../../core/sev/termination.ts';

describe('exit codes', () => {
  test.each([
    ['READ_DR7', 0x27],
    ['WRITE_DR7', 0x37],
    ['RDTSC', 0x6e],
    ['RDPMC', 0x6f],
    ['CPUID', 0x72],
    ['INVD', 0x76],
    ['IOIO', 0x7b],
    ['MSR', 0x7c],
    ['VMMCALL', 0x81],
    ['RDTSCP', 0x87],
    ['WBINVD', 0x89],
    ['MONITOR', 0x8a],
    ['MWAIT', 0x8b],
    ['NPF', 0x400],
  ] as const)('SVM_EXIT_%s = %p', (name, code) => expect(SVM_EXIT[name]).toBe(code));
  test.each([
    ['MMIO_READ', 0x80000001],
    ['MMIO_WRITE', 0x80000002],
    ['NMI_COMPLETE', 0x80000003],
    ['AP_HLT_LOOP', 0x80000004],
    ['AP_JUMP_TABLE', 0x80000005],
    ['PSC', 0x80000010],
    ['GUEST_REQUEST', 0x80000011],
    ['EXT_GUEST_REQUEST', 0x80000012],
    ['AP_CREATION', 0x80000013],
    ['HV_FEATURES', 0x8000fffd],
    ['TERM_REQUEST', 0x8000fffe],
    ['UNSUPPORTED_EVENT', 0x8000ffff],
  ] as const)('SVM_VMGEXIT_%s = %p', (name, code) => expect(SVM_VMGEXIT[name]).toBe(code));
  test('names for the event log', () => {
    expect(exitCodeName(0x80000005)).toBe('SVM_VMGEXIT_AP_JUMP_TABLE');
    expect(exitCodeName(0x7c)).toBe('SVM_EXIT_MSR');
    expect(exitCodeName(0x1234)).toBe('0x1234');
  });
});

describe('results and errors', () => {
  test('sw_exit_info_1 verdicts', () =>
    expect(GHCB_HV_RESP).toEqual({ NO_ACTION: 0, ISSUE_EXCEPTION: 1, MALFORMED_INPUT: 2 }));
  test('malformed-input reasons 1..6', () =>
    expect(GHCB_ERR).toEqual({
      NOT_REGISTERED: 1,
      INVALID_USAGE: 2,
      INVALID_SCRATCH_AREA: 3,
      MISSING_INPUT: 4,
      INVALID_INPUT: 5,
      INVALID_EVENT: 6,
    }));
  test('HV feature bits 0..3', () => expect(Object.values(GHCB_HV_FT)).toEqual([1n, 2n, 4n, 8n]));
  test('termination reasons', () => {
    expect([term.SEV_TERM_SET_GEN, term.SEV_TERM_SET_LINUX]).toEqual([0, 1]);
    expect([term.GHCB_SEV_ES_GEN_REQ, term.GHCB_SEV_ES_PROT_UNSUPPORTED, term.GHCB_SNP_UNSUPPORTED]).toEqual([
      0, 1, 2,
    ]);
    expect([
      term.GHCB_TERM_REGISTER,
      term.GHCB_TERM_PSC,
      term.GHCB_TERM_PVALIDATE,
      term.GHCB_TERM_NOT_VMPL0,
    ]).toEqual([0, 1, 2, 3]);
    expect(term.terminationReasonText(0, 1)).toBe('GHCB protocol version unsupported');
  });
});

describe('event injection format', () => {
  test('#GP with error code 0x10: vector 7:0, type 10:8 = 3, error valid 11, valid 31, code 63:32', () => {
    const v = ev.encodeEventInjection({
      vector: 13,
      type: 3,
      errorCodeValid: true,
      valid: true,
      errorCode: 0x10,
    });
    expect(v).toBe(0x0000_0010_8000_0b0dn);
    expect(ev.decodeEventInjection(v)).toEqual({
      vector: 13,
      type: 3,
      errorCodeValid: true,
      valid: true,
      errorCode: 0x10,
    });
  });
  test('only valid #GP/#UD exceptions are acceptable', () => {
    const ok = (vector: number, type = 3, valid = true) =>
      ev.isAcceptableExceptionRequest({ vector, type, valid, errorCodeValid: false, errorCode: 0 });
    expect(ok(13)).toBe(true);
    expect(ok(6)).toBe(true);
    expect(ok(14)).toBe(false);
    expect(ok(13, 0)).toBe(false);
    expect(ok(13, 3, false)).toBe(false);
  });
});
