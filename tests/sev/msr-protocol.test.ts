// Values below are copied from Linux arch/x86/include/asm/sev-common.h and the GHCB specification
// (AMD 56421), not derived from the code.
import { describe, expect, test } from 'bun:test';
import * as p from '../../core/sev/msr-protocol.ts';

describe('GHCB MSR protocol codes', () => {
  test.each([
    ['SEV_INFO_REQ', 0x002],
    ['SEV_INFO_RESP', 0x001],
    ['CPUID_REQ', 0x004],
    ['CPUID_RESP', 0x005],
    ['AP_RESET_HOLD_REQ', 0x006],
    ['AP_RESET_HOLD_RESP', 0x007],
    ['PREF_GPA_REQ', 0x010],
    ['PREF_GPA_RESP', 0x011],
    ['REG_GPA_REQ', 0x012],
    ['REG_GPA_RESP', 0x013],
    ['PSC_REQ', 0x014],
    ['PSC_RESP', 0x015],
    ['HV_FT_REQ', 0x080],
    ['HV_FT_RESP', 0x081],
    ['TERM_REQ', 0x100],
  ] as const)('%s is %p', (name, code) => {
    expect(p.GHCB_MSR[name]).toBe(code);
  });

  test('the GHCB MSR is 0xC0010130', () => expect(p.MSR_AMD64_SEV_ES_GHCB).toBe(0xc0010130));
  test('the guest supports protocol 1..2', () =>
    expect([p.GHCB_PROTOCOL_MIN, p.GHCB_PROTOCOL_MAX]).toEqual([1, 2]));
});

describe('field encoders put data in the documented bit ranges', () => {
  test('SEV info response: 63:48 max, 47:32 min, 31:24 C-bit', () => {
    expect(p.sevInfoResp(2, 1, 51)).toBe(0x0002_0001_3300_0001n);
    expect(p.decodeSevInfo(0x0004_0003_2f00_0001n)).toEqual({ max: 4, min: 3, cbit: 47 });
  });
  test('CPUID request: 63:32 function, 31:30 register', () => {
    expect(p.cpuidReq(0x8000001f, p.CPUID_REG.EBX)).toBe(0x8000001f_4000_0004n);
    expect(p.cpuidReq(1, p.CPUID_REG.EDX)).toBe(0x00000001_c000_0004n);
    expect(p.decodeCpuidReq(0x8000001f_8000_0004n)).toEqual({ fn: 0x8000001f, reg: 2 });
  });
  test('CPUID response: 63:32 value', () => {
    expect(p.cpuidResp(0xdeadbeef)).toBe(0xdeadbeef_0000_0005n);
    expect(p.decodeCpuidResp(0xdeadbeef_0000_0005n)).toBe(0xdeadbeef);
  });
  test('AP reset hold: request 0x006, response 63:12 result', () => {
    expect(p.apResetHoldReq()).toBe(0x006n);
    expect(p.apResetHoldResp(1)).toBe(0x1007n);
    expect(p.apResetHoldResp(0)).toBe(0x007n);
    expect(p.decodeApResetHoldResult(0x1007n)).toBe(1n);
  });
  test('HV features response: 63:12 bitmap', () => {
    expect(p.hvFeaturesResp(0b11n)).toBe(0x3081n);
    expect(p.decodeHvFeatures(0x5081n)).toBe(5n);
  });
  test('termination request: 15:12 set, 23:16 code', () => {
    expect(p.termReq(0, 1)).toBe(0x0001_0100n);
    expect(p.termReq(1, 3)).toBe(0x0003_1100n);
    expect(p.decodeTermReq(0x0002_1100n)).toEqual({ set: 1, code: 2 });
  });
  test('page state change: 55:52 op, 51:12 GFN; preferred GPA none is all ones', () => {
    expect(p.pscReq(p.PSC_OP.SHARED, 0x12345n)).toBe(0x0020_0000_1234_5014n);
    expect(p.prefGpaResp(p.PREF_GPA_NONE)).toBe(0xffff_ffff_ffff_f011n);
    expect(p.regGpaReq(0xabcn)).toBe(0xabc012n);
  });
  test('an encoder refuses a value wider than its field', () => {
    expect(() => p.termReq(16, 0)).toThrow('4-bit');
    expect(() => p.sevInfoResp(0x10000, 1, 51)).toThrow('16-bit');
  });
  test('GHCBInfo is bits 11:0', () => expect(p.msrInfo(0xabcd_e123n)).toBe(0x123));
  test('SNP-only requests are 0x010, 0x012, 0x014', () =>
    expect([...p.SNP_ONLY_MSR_REQUESTS].sort()).toEqual([0x010, 0x012, 0x014]));
});

// Bit positions from the GHCB MSR protocol table: PSC req 55:52 op, 51:12 GFN; PSC resp 63:32 error;
// preferred and registered GHCB GPA 63:12 GFN; GHCBInfo 11:0 is the code.
describe('SNP field encoders round-trip through their decoders', () => {
  test.each([
    [1, 0xab_cdef_0123n, 0x001a_bcde_f012_3014n],
    [2, 0x12345n, 0x0020_0000_1234_5014n],
    [2, 0xff_ffff_ffffn, 0x002f_ffff_ffff_f014n],
  ])('PSC request op %p GFN %p is %p and decodes back', (op, gfn, value) => {
    expect(p.pscReq(op, gfn)).toBe(value);
    expect(p.decodePscReq(value)).toEqual({ op, gfn });
  });

  test('decodePscReq reads only bits 55:12: bits 63:56 and the code are not part of op or GFN', () => {
    expect(p.decodePscReq(0xff1f_ffff_ffff_f014n)).toEqual({ op: 1, gfn: 0xff_ffff_ffffn });
  });

  test('PSC request refuses an op wider than 4 bits and a GFN wider than 40', () => {
    expect(() => p.pscReq(0x10, 1n)).toThrow('4-bit');
    expect(() => p.pscReq(1, 0x100_0000_0000n)).toThrow('40-bit');
  });

  test('PSC response: the error in 63:32, code 0x015', () => {
    expect(p.pscResp(0)).toBe(0x015n);
    expect(p.pscResp(0x1234)).toBe(0x0000_1234_0000_0015n);
    // A negative error is its 32-bit two's complement.
    expect(p.pscResp(-1)).toBe(0xffff_ffff_0000_0015n);
  });

  test.each([
    ['regGpaReq', p.regGpaReq, 0x12345n, 0x1234_5012n],
    ['regGpaResp', p.regGpaResp, 0x12345n, 0x1234_5013n],
    ['prefGpaResp', p.prefGpaResp, 0x7f000n, 0x7f00_0011n],
    ['regGpaResp', p.regGpaResp, 0xf_ffff_ffff_ffffn, 0xffff_ffff_ffff_f013n],
  ] as const)('%s of GFN %p is %p; decodeGfn gives the GFN back', (_name, encode, gfn, value) => {
    expect(encode(gfn)).toBe(value);
    expect(p.decodeGfn(value)).toBe(gfn);
  });

  test('the preferred-GPA "none" response decodes to the all-ones GFN', () => {
    expect(p.decodeGfn(p.prefGpaResp(p.PREF_GPA_NONE))).toBe(0xf_ffff_ffff_ffffn);
  });
});
