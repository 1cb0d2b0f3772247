import { describe, expect, test } from 'bun:test';
import { gdtEntry, gdtEntryBytes } from '../../../plugins/jump-table/gdt-entry.ts';
import { hexBytes } from './sparse-memory.ts';

describe('gdtEntry (GDT_ENTRY of asm/segment.h)', () => {
  // Expected values: the descriptors Linux writes literally in trampoline_64.S tr_gdt.
  test.each([
    ['__KERNEL32_CS', 0xc09b, 0x00cf9b000000ffffn],
    ['__KERNEL_CS', 0xa09b, 0x00af9b000000ffffn],
    ['__KERNEL_DS', 0xc093, 0x00cf93000000ffffn],
  ])('%s matches the tr_gdt literal', (_, flags, literal) => {
    expect(gdtEntry(flags, 0, 0xfffff)).toBe(literal);
  });

  test('a 16-bit code segment based at a jump table page splits the base across three fields', () => {
    expect(gdtEntry(0x9b, 0x7f5ff000, 0xffff)).toBe(0x7f009b5ff000ffffn);
    expect(hexBytes(gdtEntryBytes(gdtEntry(0x9b, 0x7f5ff000, 0xffff)))).toBe('ff ff 00 f0 5f 9b 00 7f');
  });

  test('the real-mode data segment: access 0x93, base 0, limit 0xffff', () => {
    expect(hexBytes(gdtEntryBytes(gdtEntry(0x93, 0, 0xffff)))).toBe('ff ff 00 00 00 93 00 00');
  });
});
