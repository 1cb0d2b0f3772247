import { describe, expect, test } from 'bun:test';
import { fileURLToPath } from 'node:url';
import { AP_JUMP_TABLE_SYMBOLS as SYM } from '../../../plugins/jump-table/ap_jump_table.symbols.ts';
import { validateBlob } from '../../../plugins/jump-table/blob.ts';
import { loadShippedBlob, SHIPPED_BLOB_PATH } from '../../../plugins/jump-table/shipped-blob.ts';
import { listing, objdump } from './objdump.ts';
import { hexBytes } from './sparse-memory.ts';

const BIN = fileURLToPath(SHIPPED_BLOB_PATH);
const blob = loadShippedBlob().bytes;
/** objdump as the outside oracle: the blob is 16-bit code linked at 0 (offsets = page offsets). */
const code = objdump([
  '-D',
  '-b',
  'binary',
  '-m',
  'i8086',
  '--start-address=0x10',
  '--stop-address=0xa0',
  BIN,
]);

describe('ap_jump_table.bin', () => {
  test('the symbol table places the entry, the far jump and the GDT where the layout says', () => {
    expect(SYM).toEqual({
      ap_jumptable_header: 0x0,
      reset_ip: 0x0,
      reset_cs: 0x2,
      gdt_offset: 0x4,
      ap_park: 0x10,
      ap_park_cs_reloaded: 0x1b,
      ap_park_hold: 0x2b,
      ap_park_woken: 0x5f,
      ap_park_far_jump: 0x9a,
      jump_target: 0x9b,
      ap_park_end: 0x9f,
      ap_jumptable_gdt: 0xa0,
      ap_jumptable_gdt_end: 0xc0,
    });
    expect(blob.length).toBe(SYM.ap_jumptable_gdt_end);
  });

  test('the header holds a zero reset vector and the GDT offset', () => {
    expect(hexBytes(blob.subarray(0, 0x10))).toBe('00 00 00 00 a0 00 00 00 00 00 00 00 00 00 00 00');
  });

  test('entry: own GDT, CS reload, DS = SS = 0x10, ESP at the page end', () => {
    expect(listing(code, SYM.ap_park, SYM.ap_park_hold)).toEqual([
      '10: 66 0f 01 16 a0 00 | lgdtl 0xa0',
      '16: ea 1b 00 08 00 | ljmp $0x8,$0x1b',
      '1b: 66 b9 10 00 00 00 | mov $0x10,%ecx',
      '21: 8e d9 | mov %cx,%ds',
      '23: 8e d1 | mov %cx,%ss',
      '25: 66 bc 00 10 00 00 | mov $0x1000,%esp',
    ]);
  });

  test('park loop: WRMSR 0x006 to the GHCB MSR, VMGEXIT, RDMSR, retry unless 0x007 with a result', () => {
    expect(listing(code, SYM.ap_park_hold, SYM.ap_park_woken)).toEqual([
      '2b: 66 31 d2 | xor %edx,%edx',
      '2e: 66 b8 06 00 00 00 | mov $0x6,%eax',
      '34: 66 b9 30 01 01 c0 | mov $0xc0010130,%ecx',
      '3a: 0f 30 | wrmsr',
      '3c: f3 0f 01 d9 | vmgexit',
      '40: 0f 32 | rdmsr',
      '42: 66 89 c1 | mov %eax,%ecx',
      '45: 66 81 e1 ff 0f 00 00 | and $0xfff,%ecx',
      '4c: 66 83 f9 07 | cmp $0x7,%ecx',
      '50: 75 d9 | jne 0x2b',
      '52: 66 c1 e8 0c | shr $0xc,%eax',
      '56: 75 07 | jne 0x5f',
      '58: 66 85 d2 | test %edx,%edx',
      '5b: 75 02 | jne 0x5f',
      '5d: eb cc | jmp 0x2b',
    ]);
  });

  test('wake path: copy the dword at 0 into the far jump, reset state, CR0 = 0x60000010, jump', () => {
    expect(listing(code, SYM.ap_park_woken, SYM.ap_park_end)).toEqual([
      '5f: 66 31 c9 | xor %ecx,%ecx',
      '62: 67 66 8b 01 | mov (%ecx),%eax',
      '66: 66 a3 9b 00 | mov %eax,0x9b',
      '6a: 66 6a 02 | pushl $0x2',
      '6d: 66 9d | popfl',
      '6f: 66 b9 18 00 00 00 | mov $0x18,%ecx',
      '75: 8e d9 | mov %cx,%ds',
      '77: 8e d1 | mov %cx,%ss',
      '79: 66 bc 00 00 00 00 | mov $0x0,%esp',
      '7f: 66 b8 00 00 00 00 | mov $0x0,%eax',
      '85: 66 bb 00 00 00 00 | mov $0x0,%ebx',
      '8b: 66 ba 00 00 00 00 | mov $0x0,%edx',
      '91: 66 b9 10 00 00 60 | mov $0x60000010,%ecx',
      '97: 0f 22 c1 | mov %ecx,%cr0',
      '9a: ea 00 00 00 00 | ljmp $0x0,$0x0',
    ]);
  });

  test('the patched store targets the operand of the direct far jump (EA ptr16:16)', () => {
    expect(blob[SYM.ap_park_far_jump]).toBe(0xea);
    expect(SYM.jump_target - SYM.ap_park_far_jump).toBe(1);
    // mov %eax, moffs16 (66 A3 imm16): its address operand is jump_target.
    expect(hexBytes(blob.subarray(0x66, 0x6a))).toBe('66 a3 9b 00');
  });

  test('GDT: pseudo-descriptor (limit 0x1f, base = its offset), two empty slots, real-mode data', () => {
    expect(hexBytes(blob.subarray(SYM.ap_jumptable_gdt, SYM.ap_jumptable_gdt_end))).toBe(
      [
        '1f 00 a0 00 00 00 00 00',
        '00 00 00 00 00 00 00 00',
        '00 00 00 00 00 00 00 00',
        'ff ff 00 00 00 93 00 00',
      ].join(' '),
    );
  });

  test('the shipped blob passes the validator', () => {
    const check = validateBlob(blob);
    expect(check.kind === 'ok' && check.blob.gdtOffset).toBe(0xa0);
  });
});
