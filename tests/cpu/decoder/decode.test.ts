import { describe, expect, test } from 'bun:test';
import { decode } from '../../../core/cpu/decoder/index.ts';
import type { CodeSize, Insn } from '../../../core/cpu/insn.ts';
import { execKeys } from '../../../core/cpu/opcodes/index.ts';

const bytes = (hex: string) =>
  Uint8Array.from((hex.match(/[0-9a-f]{2}/gi) ?? []).map((h) => Number.parseInt(h, 16)));

function ok(hex: string, mode: CodeSize): Insn {
  const b = bytes(hex);
  const r = decode(b, 0, b.length, mode);
  if ('kind' in r) throw new Error(`${hex}: ${r.reason}`);
  return r;
}

function err(hex: string, mode: CodeSize) {
  const b = bytes(hex);
  const r = decode(b, 0, b.length, mode);
  if (!('kind' in r)) throw new Error(`${hex}: decoded as ${r.op.mnemonic}`);
  return { reason: r.reason, length: r.length };
}

describe('decode: operands, ModRM and immediates', () => {
  // [hex, mode, assembly, expected subset]
  const cases: [string, CodeSize, string, Partial<Insn> & { exec?: string }][] = [
    ['89c3', 64, 'mov ebx, eax', { length: 2, exec: 'movEvGv', opSize: 4, mod: 3, reg: 0, rm: 3, base: -1 }],
    ['4889c3', 64, 'mov rbx, rax', { length: 3, opSize: 8, rex: 0x48 }],
    ['4d89c8', 64, 'mov r8, r9', { reg: 9, rm: 8, opSize: 8 }],
    ['66894810', 64, 'mov [rax+0x10], cx', { length: 4, opSize: 2, base: 0, disp: 0x10 }],
    ['894810', 64, 'mov dword ptr [rax+0x10], ecx', { length: 3, exec: 'movEvGv', opSize: 4, disp: 16 }],
    ['8b05f0ffffff', 64, 'mov eax, [rip-0x10]', { length: 6, ripRelative: true, base: -1, disp: -16 }],
    ['678b05f0ffffff', 64, 'mov eax, [eip-0x10]', { length: 7, ripRelative: true, addrSize: 4 }],
    ['8b05f0ffffff', 32, 'mov eax, [0xfffffff0]', { length: 6, ripRelative: false, base: -1, disp: -16 }],
    [
      '8b0425efbeadde',
      64,
      'mov eax, [0xdeadbeef] (SIB, no base, no index)',
      { length: 7, base: -1, index: -1 },
    ],
    [
      '428b04a5f0000000',
      64,
      'mov eax, [r12*4+0xf0]',
      { length: 8, base: -1, index: 12, scale: 4, disp: 0xf0 },
    ],
    ['418b4424f8', 64, 'mov eax, [r12-8]', { length: 5, base: 12, index: -1, disp: -8 }],
    ['418b4500', 64, 'mov eax, [r13+0]', { length: 4, base: 13, disp: 0 }],
    ['8b44b310', 32, 'mov eax, [ebx+esi*4+0x10]', { length: 4, base: 3, index: 6, scale: 4, disp: 16 }],
    ['8b00', 16, 'mov ax, [bx+si]', { length: 2, opSize: 2, addrSize: 2, base: 3, index: 6 }],
    ['8b4302', 16, 'mov ax, [bp+di+2]', { length: 3, base: 5, index: 7, disp: 2 }],
    ['8b063412', 16, 'mov ax, [0x1234]', { length: 4, base: -1, index: -1, disp: 0x1234 }],
    ['8b86feff', 16, 'mov ax, [bp-2]', { length: 4, base: 5, index: -1, disp: -2 }],
    ['678b4308', 16, 'mov ax, [ebx+8] (67: 32-bit addressing)', { length: 4, addrSize: 4, base: 3, disp: 8 }],
    ['66678b4308', 16, 'mov eax, [ebx+8]', { length: 5, opSize: 4, addrSize: 4 }],
    ['8b4308', 32, 'mov eax, [ebx+8]', { length: 3, opSize: 4, addrSize: 4 }],
    ['83c0ff', 64, 'add eax, -1 (imm8 sign-extended)', { length: 3, exec: 'addEvIb', imm: -1 }],
    ['4883c080', 64, 'add rax, -0x80', { imm: -128, opSize: 8 }],
    ['6bc0fe', 32, 'imul eax, eax, -2', { length: 3, imm: -2 }],
    ['6aff', 64, 'push -1', { length: 2, imm: -1, opSize: 8 }],
    ['c0e0ff', 64, 'shl al, 0xff (Ib zero-extended)', { length: 3, exec: 'shlEbIb', imm: 255, opSize: 1 }],
    ['80c0ff', 32, 'add al, 0xff', { exec: 'addEbIb', imm: 255, opSize: 1 }],
    ['05ffffffff', 32, 'add eax, 0xffffffff (Iz)', { length: 5, imm: -1 }],
    ['6605ffff', 32, 'add ax, 0xffff (Iz, 16-bit)', { length: 4, imm: -1, opSize: 2 }],
    ['4805ffffff7f', 64, 'add rax, 0x7fffffff', { length: 6, imm: 0x7fffffff, opSize: 8 }],
    ['48c7c000000080', 64, 'mov rax, -0x80000000 (imm32 sign-extended)', { length: 7, imm: -0x80000000 }],
    ['b8efbeadde', 32, 'mov eax, 0xdeadbeef', { length: 5, exec: 'movZvIv', imm: 0xdeadbeef, rm: 0 }],
    [
      '49bf8877665544332211',
      64,
      'mov r15, 0x1122334455667788',
      { length: 10, imm: 0x1122334455667788n, rm: 15 },
    ],
    ['41b0ff', 64, 'mov r8b, 0xff', { length: 3, exec: 'movZbIb', rm: 8, opSize: 1 }],
    ['c20800', 64, 'ret 8', { length: 3, exec: 'retIw', imm: 8, opSize: 8 }],
    ['c8100001', 32, 'enter 0x10, 1', { length: 4, exec: 'enterIwIb', imm: 0x10, imm2: 1 }],
    [
      'ea000000001000',
      32,
      'jmp 0x10:0x0 (Ap, 32-bit offset)',
      { length: 7, exec: 'jmpfAp', imm: 0, imm2: 0x10 },
    ],
    ['ea00001000', 16, 'jmp 0x10:0x0 (Ap, 16-bit offset)', { length: 5, imm: 0, imm2: 0x10 }],
    ['66ea785634120800', 16, 'jmp 0x8:0x12345678', { length: 8, imm: 0x12345678, imm2: 8 }],
    [
      'a1efcdab8967452301',
      64,
      'mov eax, [0x0123456789abcdef] (moffs64)',
      { length: 9, imm: 0x0123456789abcdefn },
    ],
    ['67a1efcdab89', 64, 'mov eax, [0x89abcdef] (moffs32)', { length: 6, imm: 0x89abcdef }],
    ['a13412', 16, 'mov ax, [0x1234] (moffs16)', { length: 3, imm: 0x1234, opSize: 2 }],
    ['a2efbeadde', 32, 'mov [0xdeadbeef], al', { length: 5, exec: 'movObAL', opSize: 1 }],
    ['f6c101', 32, 'test cl, 1 (F6 /0 has Ib)', { length: 3, exec: 'testEbIb', imm: 1 }],
    ['f6d1', 32, 'not cl (F6 /2 has none)', { length: 2, exec: 'notEb' }],
    ['f7c100000100', 32, 'test ecx, 0x10000', { length: 6, exec: 'testEvIz' }],
    ['f7d8', 32, 'neg eax', { length: 2, exec: 'negEv' }],
    ['0fbae003', 32, 'bt eax, 3', { length: 4, exec: 'btEvIb', imm: 3 }],
    ['0fa4c204', 32, 'shld edx, eax, 4', { length: 4, exec: 'shldEvGvIb' }],
    ['0fb6c0', 32, 'movzx eax, al', { length: 3, exec: 'movzxGvEb', opSize: 4 }],
    ['480fbf00', 64, 'movsx rax, word ptr [rax]', { length: 4, exec: 'movsxGvEw', opSize: 8 }],
    ['4863c8', 64, 'movsxd rcx, eax', { length: 3, exec: 'movsxdGvEd' }],
    ['63c8', 32, 'arpl ax, cx', { length: 2, exec: 'arplEwGw' }],
  ];
  for (const [hex, mode, asm, want] of cases) {
    test(`${mode}-bit ${hex}: ${asm}`, () => {
      const insn = ok(hex, mode);
      const { exec, ...fields } = want;
      const got: Record<string, unknown> = {};
      for (const k of Object.keys(fields)) got[k] = insn[k as keyof Insn];
      expect(got).toEqual(fields);
      if (exec !== undefined) expect(insn.op.exec as string).toBe(exec);
    });
  }
});

describe('decode: prefixes', () => {
  test('REX that is followed by a legacy prefix is ignored', () => {
    // rex.W; data16; mov ebx, eax -> mov bx, ax
    const insn = ok('486689c3', 64);
    expect([insn.rex, insn.opSize, insn.length]).toEqual([0, 2, 4]);
  });
  test('REX.W wins over 66', () => {
    // data16 mov rbx, rax
    expect(ok('664889c3', 64).opSize).toBe(8);
  });
  test('the last of several REX bytes counts', () => {
    expect(ok('414889c3', 64).rex).toBe(0x48);
  });
  test('in 64-bit code CS/DS/ES/SS overrides are ignored, FS/GS kept', () => {
    expect(ok('2e8b00', 64).segOverride).toBe(-1);
    expect(ok('268b00', 64).segOverride).toBe(-1);
    expect(ok('648b00', 64).segOverride).toBe(4);
    expect(ok('658b00', 64).segOverride).toBe(5);
    expect(ok('2e8b00', 32).segOverride).toBe(1);
    expect(ok('368b00', 16).segOverride).toBe(2);
  });
  test('the last of F2/F3 wins; LOCK is recorded', () => {
    expect(ok('f2f3a4', 32).rep).toBe(0xf3);
    expect(ok('f3f2a4', 32).rep).toBe(0xf2);
    expect(ok('f00fb10b', 32).lock).toBe(true);
  });
  test('40-4F are INC/DEC outside 64-bit mode and REX in it', () => {
    expect(ok('40', 32).op.exec as string).toBe('incZv');
    expect(ok('4f', 16).rm).toBe(7);
    // rex.W mov eax, imm -> mov rax, imm64
    expect(ok('48b80100000000000000', 64).length).toBe(10);
  });
  test('F3 0F 01 D9 is VMGEXIT, 0F 01 D9 VMMCALL', () => {
    expect(ok('f30f01d9', 64).op.exec as string).toBe('vmgexit');
    expect(ok('0f01d9', 64).op.exec as string).toBe('vmmcall');
  });
  test('90 is NOP, F3 90 PAUSE, REX.B 90 XCHG r8, rax', () => {
    expect(ok('90', 64).op.exec as string).toBe('nop');
    expect(ok('f390', 64).op.exec as string).toBe('pause');
    const x = ok('4190', 64);
    expect([x.op.exec as string, x.rm]).toEqual(['xchgZvrAX', 8]);
  });
  test('F3 selects POPCNT and 66 still sets its operand size', () => {
    const p = ok('66f30fb8c1', 32);
    expect([p.op.exec as string, p.opSize]).toEqual(['popcntGvEv', 2]);
  });
});

describe('decode: 64-bit operand size defaults', () => {
  const cases: [string, string, string, number][] = [
    ['50', 'push rax', 'pushZv', 8],
    ['6650', 'push ax', 'pushZv', 2],
    ['415f', 'pop r15', 'popZv', 8],
    ['ff30', 'push qword ptr [rax]', 'pushEv', 8],
    ['ffd0', 'call rax', 'callEv', 8],
    ['ffe0', 'jmp rax', 'jmpEv', 8],
    ['e800000000', 'call +0', 'callJz', 8],
    ['66e80000', 'call +0 (16-bit)', 'callJz', 2],
    ['7400', 'je +0', 'jccJb', 8],
    ['0f8400000000', 'je +0 (rel32)', 'jccJz', 8],
    ['c3', 'ret', 'ret', 8],
    ['9c', 'pushfq', 'pushfFv', 8],
    ['c9', 'leave', 'leave', 8],
    ['0f20d8', 'mov rax, cr3', 'movRyCy', 8],
    ['89c3', 'mov ebx, eax (not d64)', 'movEvGv', 4],
  ];
  for (const [hex, asm, exec, size] of cases) {
    test(`${hex}: ${asm} has operand size ${size}`, () => {
      const insn = ok(hex, 64);
      expect([insn.op.exec as string, insn.opSize]).toEqual([exec, size as Insn['opSize']]);
    });
  }
  test('a 66-prefixed near call in 64-bit code has a 16-bit displacement', () => {
    expect(ok('66e8fcff', 64)).toMatchObject({ length: 4, imm: -4 });
  });
});

describe('decode: invalid in 64-bit mode', () => {
  const i64 = [
    '06',
    '07',
    '0e',
    '16',
    '17',
    '1e',
    '1f',
    '27',
    '2f',
    '37',
    '3f',
    '60',
    '61',
    '82c000',
    '9a',
    'ce',
    'd40a',
    'd50a',
    'd6',
    'ea',
  ];
  for (const hex of i64) {
    test(`${hex} is invalid-in-mode in 64-bit code and valid in 32-bit code`, () => {
      expect(err(hex, 64)).toEqual({ reason: 'invalid-in-mode', length: 1 });
      if (hex !== 'd6' && hex !== '9a' && hex !== 'ea') expect(ok(hex, 32).length).toBe(bytes(hex).length);
    });
  }
  test('C4/C5 are LES/LDS in 32-bit code with a memory operand, VEX otherwise', () => {
    // les eax, [eax]
    expect(ok('c400', 32).op.exec as string).toBe('lesGzMp');
    // lds ax, [bx+si] in 16-bit
    expect(ok('c500', 16).op.exec as string).toBe('ldsGzMp');
    // vzeroupper (c5 f8 77) in 32-bit and 64-bit
    expect(ok('c5f877', 32)).toMatchObject({ length: 3, map: 'vex' });
    expect(ok('c5f877', 64)).toMatchObject({ length: 3, map: 'vex' });
  });
  test('MOVSXD exists only in 64-bit code, ARPL only outside it', () => {
    expect(ok('63c8', 16).op.exec as string).toBe('arplEwGw');
  });
});

describe('decode: errors', () => {
  test('a lone prefix is truncated', () => expect(err('66', 64)).toEqual({ reason: 'truncated', length: 1 }));
  test('a missing immediate is truncated', () =>
    expect(err('b8efbe', 32)).toEqual({ reason: 'truncated', length: 3 }));
  test('a missing SIB is truncated', () =>
    expect(err('8b04', 32)).toEqual({ reason: 'truncated', length: 2 }));
  test('more than 15 bytes is too-long', () => {
    // 14 operand-size prefixes, then mov ax, imm16: 18 bytes
    expect(err(`${'66'.repeat(14)}b83412`, 32)).toEqual({ reason: 'too-long', length: 15 });
  });
  test('exactly 15 bytes decodes', () => {
    // 14 x cs; nop
    expect(ok(`${'2e'.repeat(14)}90`, 32).length).toBe(15);
    // cs ds cs; mov qword ptr [rsp+0x44332211], 0xffffffff88776655 (3 + REX + C7 ModRM SIB disp32 imm32)
    expect(ok('2e3e2e48c784241122334455667788', 64).length).toBe(15);
  });
  test('0F 0B is UD2, 0F 04 is no instruction', () => {
    expect(ok('0f0b', 64).op.exec as string).toBe('ud2');
    expect(err('0f04', 64)).toEqual({ reason: 'invalid', length: 2 });
  });
  test('a memory-only operand (SDM method M) with a register is no instruction', () => {
    // lea eax, eax / lss eax, eax / movnti eax, eax
    expect(err('8dc0', 32)).toEqual({ reason: 'invalid', length: 2 });
    expect(err('0fb2c0', 32)).toEqual({ reason: 'invalid', length: 3 });
    expect(err('0fc3c0', 64)).toEqual({ reason: 'invalid', length: 3 });
    expect(ok('8d00', 32).op.exec as string).toBe('leaGvM');
  });
  test('LOCK is refused on a register destination and on MOV', () => {
    // lock add eax, ebx
    expect(err('f001d8', 32)).toEqual({ reason: 'lock', length: 3 });
    // lock mov [eax], eax
    expect(err('f08900', 32)).toEqual({ reason: 'lock', length: 3 });
  });
  test('LOCK MOV CR0 is MOV CR8 (AMD)', () => {
    // lock mov eax, cr0 == mov eax, cr8
    expect(ok('f00f20c0', 32).reg).toBe(8);
  });
  test('end bounds decoding even when the buffer is longer', () => {
    // nop; mov eax, 0xdeadbeef
    const b = bytes('90b8efbeadde');
    expect(decode(b, 1, 4, 32)).toEqual({ kind: 'decode-error', reason: 'truncated', length: 3 });
    expect(decode(b, 1, 6, 32)).toMatchObject({ length: 5, imm: 0xdeadbeef });
  });
});

describe('the opcode table', () => {
  test('exec keys are unique strings in the manual operand form', () => {
    const keys = execKeys();
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of ['movEvGv', 'addEbGb', 'jccJb', 'jccJz', 'movZvIv', 'vmgexit', 'vmmcall', 'cmpxchgEvGv'])
      expect(keys as string[]).toContain(k);
  });
});
