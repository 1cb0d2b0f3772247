// Linux vc_check_opcode_bytes: which instruction bytes may raise #VC with which exit code.
import { describe, expect, test } from 'bun:test';
import { checkOpcodeBytes } from '../../core/guest/vc/opcode-check.ts';
import { decode, type Insn } from '../../core/index.ts';

const insn = (hex: string, size: 16 | 32 | 64 = 64): Insn => {
  const b = Uint8Array.from(hex.split(' ').map((x) => Number.parseInt(x, 16)));
  const d = decode(b, 0, b.length, size);
  if ('kind' in d) throw new Error(`cannot decode ${hex}`);
  return d;
};

describe('vc_check_opcode_bytes', () => {
  test.each([
    [0x72, '0f a2', 'match'], // cpuid
    [0x72, '0f 31', 'mismatch'], // rdtsc is not cpuid
    [0x72, '01 d8', 'mismatch'], // add eax, ebx
    [0x7c, '0f 32', 'match'], // rdmsr
    [0x7c, '0f 30', 'match'], // wrmsr
    [0x6e, '0f 31', 'match'], // rdtsc
    [0x87, '0f 01 f9', 'match'], // rdtscp
    [0x87, '0f 01 d9', 'mismatch'], // vmmcall is not rdtscp
    [0x81, '0f 01 d9', 'match'], // vmmcall
    [0x8a, '0f 01 c8', 'match'], // monitor
    [0x8a, '0f 01 fa', 'match'], // monitorx
    [0x8b, '0f 01 c9', 'match'], // mwait
    [0x8b, '0f 01 fb', 'match'], // mwaitx
    [0x27, '0f 21 f8', 'match'], // mov rax, dr7
    [0x27, '0f 21 c0', 'mismatch'], // mov rax, dr0
    [0x37, '0f 23 f8', 'match'], // mov dr7, rax
    [0x89, '0f 09', 'match'], // wbinvd
    [0x76, '0f 08', 'match'], // invd
    [0x6f, '0f 33', 'match'], // rdpmc
    [0x7b, '90', 'match'], // IOIO: checked by vc_ioio_exitinfo itself
    [0x400, '90', 'match'], // NPF: checked by the MMIO decoder itself
    [0x80001234, '0f a2', 'not-listed'],
  ] as const)('exit 0x%s with %s: %s', (exitCode, bytes, want) => {
    expect(checkOpcodeBytes(exitCode, insn(bytes))).toBe(want);
  });
  test('16-bit code is checked the same way', () => {
    expect(checkOpcodeBytes(0x72, insn('0f a2', 16))).toBe('match');
  });
});
