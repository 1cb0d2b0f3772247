// Offsets and valid bits from Linux arch/x86/include/asm/svm.h (struct ghcb_save_area, struct ghcb) and
// the GHCB specification (AMD 56421), written out here, not derived from the code.
import { describe, expect, test } from 'bun:test';
import { Ghcb } from '../../core/sev/ghcb.ts';
import * as L from '../../core/sev/ghcb-layout.ts';

describe('GHCB page layout', () => {
  test.each([
    ['cpl', 0x0cb, 25],
    ['xss', 0x140, 40],
    ['dr7', 0x160, 44],
    ['rip', 0x178, 47],
    ['rsp', 0x1d8, 59],
    ['rax', 0x1f8, 63],
    ['rcx', 0x308, 97],
    ['rdx', 0x310, 98],
    ['rbx', 0x318, 99],
    ['rbp', 0x328, 101],
    ['rsi', 0x330, 102],
    ['rdi', 0x338, 103],
    ['r8', 0x340, 104],
    ['r9', 0x348, 105],
    ['r10', 0x350, 106],
    ['r11', 0x358, 107],
    ['r12', 0x360, 108],
    ['r13', 0x368, 109],
    ['r14', 0x370, 110],
    ['r15', 0x378, 111],
    ['sw_exit_code', 0x390, 114],
    ['sw_exit_info_1', 0x398, 115],
    ['sw_exit_info_2', 0x3a0, 116],
    ['sw_scratch', 0x3a8, 117],
    ['xcr0', 0x3e8, 125],
  ] as const)('%s sits at %p with valid bit %p', (field, offset, bit) => {
    expect(L.GHCB_FIELDS[field].offset).toBe(offset);
    expect(L.validBit(field)).toBe(bit);
  });
  test('the fixed areas', () => {
    expect(L.GHCB_VALID_BITMAP).toEqual({ offset: 0x3f0, size: 16 });
    expect(L.GHCB_X87_STATE_GPA.offset).toBe(0x400);
    expect(L.GHCB_SHARED_BUFFER).toEqual({ offset: 0x800, size: 2032 });
    expect(L.GHCB_PROTOCOL_VERSION).toEqual({ offset: 0xffa, size: 2 });
    expect(L.GHCB_USAGE).toEqual({ offset: 0xffc, size: 4 });
  });
});

describe('Ghcb accessors', () => {
  test('setting a field writes little-endian bytes at its offset and marks its valid bit', () => {
    const g = new Ghcb(new Uint8Array(4096));
    g.set('sw_exit_code', 0x80000005n);
    expect([...g.bytes.subarray(0x390, 0x398)]).toEqual([5, 0, 0, 0x80, 0, 0, 0, 0]);
    // bit 114 = byte 0x3F0 + 14, bit 2
    expect(g.bytes[0x3f0 + 14]).toBe(1 << 2);
    expect(g.isValid('sw_exit_code')).toBe(true);
    expect(g.isValid('sw_exit_info_1')).toBe(false);
    expect(g.validBitmap()).toBe(1n << 114n);
  });
  test('cpl is a single byte at 0xCB', () => {
    const g = new Ghcb(new Uint8Array(4096));
    g.set('cpl', 0x1ff);
    expect(g.bytes[0xcb]).toBe(0xff);
    expect(g.bytes[0xcc]).toBe(0);
    expect(g.get('cpl')).toBe(0xffn);
  });
  test('invalidate clears sw_exit_code and the whole bitmap but keeps other fields', () => {
    const g = new Ghcb(new Uint8Array(4096));
    g.set('rax', 7);
    g.set('sw_exit_code', 0x72);
    g.invalidate();
    expect(g.validBitmap()).toBe(0n);
    expect(g.get('sw_exit_code')).toBe(0n);
    expect(g.get('rax')).toBe(7n);
  });
  test('usage and protocol version', () => {
    const g = new Ghcb(new Uint8Array(4096));
    g.usage = 1;
    g.protocolVersion = 1;
    expect([...g.bytes.subarray(0xffa, 0x1000)]).toEqual([1, 0, 1, 0, 0, 0]);
  });
  test('a buffer of the wrong size is refused', () => {
    expect(() => new Ghcb(new Uint8Array(100))).toThrow('exactly 4096');
  });
});

describe('the hypervisor snapshot', () => {
  test('copies the bitmap and only the fields marked valid', () => {
    const live = new Ghcb(new Uint8Array(4096));
    live.set('rax', 0x1122334455667788n);
    live.set('cpl', 3);
    live.bytes.fill(0xee, 0x308, 0x310); // rcx bytes present but not marked valid
    live.bytes.fill(0xab, 0x800, 0x810); // shared buffer is not part of the snapshot
    const snap = new Ghcb(new Uint8Array(4096).fill(0x55));
    live.snapshotValidInto(snap);
    expect(snap.get('rax')).toBe(0x1122334455667788n);
    expect(snap.get('cpl')).toBe(3n);
    expect(snap.get('rcx')).toBe(0n);
    expect(snap.validBitmap()).toBe((1n << 63n) | (1n << 25n));
    expect(snap.bytes.subarray(0x800, 0x810).every((b) => b === 0)).toBe(true);
  });
});
