/**
 * Length decoding across the whole ISA, case by case (the objdump oracle test covers real code in
 * bulk). Each case carries its assembly as objdump prints it.
 */
import { describe, expect, test } from 'bun:test';
import { decode } from '../../../core/cpu/decoder/index.ts';
import type { CodeSize, Insn } from '../../../core/cpu/insn.ts';

const bytes = (hex: string) =>
  Uint8Array.from((hex.match(/[0-9a-f]{2}/gi) ?? []).map((h) => Number.parseInt(h, 16)));

function decoded(hex: string, mode: CodeSize): Insn {
  const b = bytes(hex);
  const r = decode(b, 0, b.length, mode);
  if ('kind' in r) throw new Error(`${hex}: ${r.reason}`);
  return r;
}

const cases: [string, CodeSize, string, Partial<Insn>][] = [
  // 0F 38 / 0F 3A
  ['0f3800c1', 64, 'pshufb mm0, mm1', { length: 4, map: '0f38', opcode: 0 }],
  ['660f3800c1', 64, 'pshufb xmm0, xmm1', { length: 5, map: '0f38' }],
  ['660f3a0fc108', 64, 'palignr xmm0, xmm1, 0x8', { length: 6, map: '0f3a', imm: 8 }],
  ['f20f38f1c1', 64, 'crc32 eax, ecx', { length: 5 }],
  ['0f38f00424', 64, 'movbe eax, dword ptr [rsp]', { length: 5 }],
  // 3DNow!: the opcode follows ModRM
  ['0f0fc19e', 64, 'pfadd mm0, mm1', { length: 4, map: '3dnow', opcode: 0x9e }],
  ['0f0f4010b4', 32, 'pfmul mm0, [eax+0x10]', { length: 5, map: '3dnow', opcode: 0xb4 }],
  // x87
  ['d9e8', 64, 'fld1', { length: 2 }],
  ['dd0424', 64, 'fld qword ptr [rsp]', { length: 3 }],
  ['df6c2408', 64, 'fild qword ptr [rsp+0x8]', { length: 4 }],
  ['dbe3', 16, 'fninit', { length: 2 }],
  // SSE with mandatory prefixes and immediates
  ['f30f1000', 64, 'movss xmm0, dword ptr [rax]', { length: 4 }],
  ['660f70c11b', 64, 'pshufd xmm0, xmm1, 0x1b', { length: 5, imm: 0x1b }],
  ['0fc2c100', 64, 'cmpeqps xmm0, xmm1', { length: 4 }],
  ['660f73d804', 64, 'psrldq xmm0, 0x4', { length: 5 }],
  ['660f78c00408', 64, 'extrq xmm0, 0x4, 0x8 (two imm8)', { length: 6, imm: 4, imm2: 8 }],
  ['f20f78c10408', 64, 'insertq xmm0, xmm1, 0x4, 0x8', { length: 6, imm: 4, imm2: 8 }],
  ['0f78c8', 64, 'vmread rax, rcx', { length: 3 }],
  // VEX: C5 two-byte, C4 three-byte
  ['c5f877', 64, 'vzeroupper (no ModRM)', { length: 3, map: 'vex', vexMap: 1 }],
  ['c5fd72d004', 64, 'vpsrld ymm0, ymm0, 0x4', { length: 5, vexL: 1, imm: 4 }],
  ['c4e27d18c0', 64, 'vbroadcastss ymm0, xmm0', { length: 5, vexMap: 2 }],
  ['c4e3fd00c01b', 64, 'vpermq ymm0, ymm0, 0x1b', { length: 6, vexMap: 3, imm: 0x1b }],
  ['c4e2f9f7c1', 64, 'shlx rax, rcx, rax', { length: 5 }],
  ['c5f877', 32, 'vzeroupper in 32-bit code', { length: 3, map: 'vex' }],
  ['c5fa1000', 32, 'vmovss xmm0, [eax] in 32-bit code (C5 byte has mod 11)', { length: 4, map: 'vex' }],
  // EVEX
  ['62f17c4858c1', 64, 'vaddps zmm0, zmm0, zmm1', { length: 6, map: 'evex', vexMap: 1, vexL: 2 }],
  ['62f17c48584001', 64, 'vaddps zmm0, zmm0, [rax+0x40] (disp8*N)', { length: 7 }],
  ['62f3fd4800c01b', 64, 'vpermq zmm0, zmm0, 0x1b', { length: 7, vexMap: 3 }],
  ['62f17c4858c1', 32, 'vaddps zmm0, zmm0, zmm1 in 32-bit code', { length: 6, map: 'evex' }],
  ['6200', 32, 'bound eax, qword ptr [eax]', { length: 2, map: 'primary' }],
  // XOP: 8F with map >= 8; POP Ev otherwise
  ['8fe878c0c108', 64, 'vprotb xmm0, xmm1, 0x8 (map 8: imm8)', { length: 6, map: 'xop', vexMap: 8 }],
  ['8fe97881c1', 64, 'vfrczpd xmm0, xmm1 (map 9)', { length: 5, vexMap: 9 }],
  ['8fea7810c104000000', 64, 'bextr eax, ecx, 0x4 (map 0Ah: imm32)', { length: 9, vexMap: 10, imm: 4 }],
  ['8fc0', 64, 'pop rax', { length: 2, map: 'primary' }],
  ['8f4008', 32, 'pop dword ptr [eax+0x8]', { length: 3 }],
  // Group immediates that depend on ModRM.reg
  ['f6c101', 64, 'test cl, 0x1', { length: 3 }],
  ['f6d1', 64, 'not cl', { length: 2 }],
  ['f7c178563412', 64, 'test ecx, 0x12345678', { length: 6 }],
  ['66f7c13412', 64, 'test cx, 0x1234', { length: 5 }],
  ['f7e1', 64, 'mul ecx', { length: 2 }],
  // 0F 01 forms
  ['0f01d0', 64, 'xgetbv', { length: 3 }],
  ['0f01f9', 64, 'rdtscp', { length: 3 }],
  ['f20f01ff', 64, 'pvalidate', { length: 4 }],
  ['0f0110', 64, 'lgdt [rax]', { length: 3 }],
  ['0f011578563412', 64, 'lgdt [rip+0x12345678]', { length: 7, ripRelative: true }],
  ['0f01163412', 16, 'lgdt [0x1234]', { length: 5 }],
  // Hint NOPs
  ['0f1f00', 64, 'nop dword ptr [rax]', { length: 3 }],
  ['660f1f840000000000', 64, 'nop word ptr [rax+rax+0x0]', { length: 9 }],
  ['0f1800', 64, 'prefetchnta [rax]', { length: 3 }],
  ['0f0d08', 64, 'prefetchw [rax]', { length: 3 }],
  ['0f19c0', 64, 'nop eax (reserved hint)', { length: 3 }],
  ['f30f1efa', 64, 'endbr64', { length: 4 }],
  // moffs follow the address size
  ['48a1efcdab8967452301', 64, 'movabs rax, ds:0x123456789abcdef', { length: 10, imm: 0x123456789abcdefn }],
  ['67a0efbeadde', 64, 'mov al, ds:0xdeadbeef (addr32)', { length: 6, imm: 0xdeadbeef }],
  ['a0efbeadde', 32, 'mov al, ds:0xdeadbeef', { length: 5 }],
  ['6667a13412', 32, 'mov ax, ds:0x1234 (addr16)', { length: 5, imm: 0x1234 }],
  [
    '66a1efbeadde',
    16,
    'mov eax, ds:0xbeef (66 widens the data, the offset stays 16-bit)',
    { length: 4, imm: 0xbeef, opSize: 4 },
  ],
];

describe('decode: lengths beyond the integer table', () => {
  for (const [hex, mode, asm, want] of cases) {
    test(`${mode}-bit ${hex}: ${asm}`, () => {
      const insn = decoded(hex, mode);
      const got: Record<string, unknown> = {};
      for (const k of Object.keys(want)) got[k] = insn[k as keyof Insn];
      expect(got).toEqual(want);
    });
  }
});

describe('decode: the 15-byte limit', () => {
  test('14 prefixes and a one-byte opcode: 15 bytes, valid', () => {
    expect(decoded(`${'3e'.repeat(14)}90`, 32).length).toBe(15);
  });
  test('15 prefixes and a one-byte opcode: too-long, even with more bytes available', () => {
    const b = bytes(`${'3e'.repeat(15)}90909090`);
    expect(decode(b, 0, b.length, 32)).toEqual({ kind: 'decode-error', reason: 'too-long', length: 15 });
  });
  test('a long encoding past 15 by its immediate is too-long', () => {
    // 4 prefixes + REX.W + C7 84 24 disp32 imm32 = 4 + 1 + 1 + 2 + 4 + 4 = 16 bytes
    const b = bytes(`2e3e2e3e48c78424${'11223344'}${'55667788'}`);
    expect(decode(b, 0, b.length, 64)).toEqual({ kind: 'decode-error', reason: 'too-long', length: 15 });
  });
  test('VEX after a legacy 66 prefix is #UD with its full length', () => {
    const b = bytes('66c5f877');
    expect(decode(b, 0, b.length, 64)).toEqual({ kind: 'decode-error', reason: 'invalid', length: 4 });
  });
});
