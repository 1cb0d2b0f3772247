import { describe, expect, test } from 'bun:test';
import { decode } from '../../core/cpu/decoder/index.ts';
import { disasm } from '../../core/cpu/disasm.ts';
import type { CodeSize, Insn } from '../../core/cpu/insn.ts';
import { objdump } from './decoder/objdump.ts';

const bytes = (hex: string) =>
  Uint8Array.from((hex.match(/[0-9a-f]{2}/gi) ?? []).map((h) => Number.parseInt(h, 16)));

function insn(hex: string, mode: CodeSize): Insn {
  const b = bytes(hex);
  const r = decode(b, 0, b.length, mode);
  if ('kind' in r) throw new Error(`${hex}: ${r.reason}`);
  return r;
}

describe('disasm: Intel syntax from the opcode table', () => {
  const cases: [string, CodeSize, string][] = [
    ['894810', 64, 'mov dword ptr [rax+0x10], ecx'],
    ['48894810', 64, 'mov qword ptr [rax+0x10], rcx'],
    ['8b05f0ffffff', 64, 'mov eax, dword ptr [rip-0x10]'],
    ['c744240800000000', 64, 'mov dword ptr [rsp+0x8], 0x0'],
    ['48c7c0ffffffff', 64, 'mov rax, 0xffffffffffffffff'],
    ['48b8efcdab8967452301', 64, 'mov rax, 0x123456789abcdef'],
    ['8b4210', 16, 'mov ax, word ptr [bp+si+0x10]'],
    ['8a063412', 16, 'mov al, byte ptr [0x1234]'],
    ['8ae0', 32, 'mov ah, al'],
    ['408ae0', 64, 'mov spl, al'],
    ['648b042528000000', 64, 'mov eax, dword ptr fs:[0x28]'],
    ['428b04a5f0000000', 64, 'mov eax, dword ptr [r12*4+0xf0]'],
    ['0fb60401', 32, 'movzx eax, byte ptr [ecx+eax]'],
    ['480fbf00', 64, 'movsx rax, word ptr [rax]'],
    ['f3a5', 64, 'rep movsd'],
    ['f348a5', 64, 'rep movsq'],
    ['a4', 16, 'movsb'],
    ['f2ae', 32, 'repne scasb'],
    ['f00fb10b', 32, 'lock cmpxchg dword ptr [ebx], ecx'],
    ['83c0ff', 64, 'add eax, 0xffffffff'],
    ['c1e004', 32, 'shl eax, 0x4'],
    ['d1e8', 32, 'shr eax, 1'],
    ['d3e0', 32, 'shl eax, cl'],
    ['c8100001', 32, 'enter 0x10, 0x1'],
    ['ea000000001000', 32, 'jmp far 0x10:0x0'],
    ['a1efcdab8967452301', 64, 'mov eax, dword ptr [0x123456789abcdef]'],
    ['0f20d8', 64, 'mov rax, cr3'],
    ['0f22c0', 32, 'mov cr0, eax'],
    ['8ed8', 16, 'mov ds, ax'],
    ['f30f01d9', 64, 'vmgexit'],
    ['0f01d9', 64, 'vmmcall'],
    ['0f01f8', 64, 'swapgs'],
    ['0f30', 64, 'wrmsr'],
    ['e6ed', 16, 'out 0xed, al'],
    ['ef', 32, 'out dx, eax'],
    ['98', 64, 'cwde'],
    ['4898', 64, 'cdqe'],
    ['6698', 32, 'cbw'],
    ['9c', 64, 'pushfq'],
    ['cf', 16, 'iretw'],
    ['48cf', 64, 'iretq'],
    ['d9c9', 64, 'fxch st(1)'],
    ['dd00', 64, 'fld qword ptr [rax]'],
    ['dfe0', 32, 'fnstsw ax'],
    ['0f1f440000', 64, 'nop dword ptr [rax+rax]'],
    // Length-only rows say their operands are not decoded; with no name in the table, the map and opcode.
    ['f20f5800', 64, 'addsd (operands not decoded)'],
    ['c5f858c1', 64, 'vaddps (operands not decoded)'],
    ['c4e27d18c0', 64, 'vbroadcastss (operands not decoded)'],
    // EVEX vbroadcastss zmm0, xmm0
    ['62f27c4818c0', 64, 'vbroadcastss (operands not decoded)'],
    ['c4e3fd00c01b', 64, 'vpermq (operands not decoded)'],
    // XOP vprotb xmm0, xmm0, 5: XOP opcodes have no names in the table.
    ['8fe878c0c005', 64, '(XOP map 8 opcode 0xc0: not decoded)'],
    ['c4e27dff00', 64, '(VEX map 2 opcode 0xff: not decoded)'],
    ['c5f877', 64, 'vzeroupper'],
    ['c5fc77', 64, 'vzeroall'],
  ];
  for (const [hex, mode, text] of cases) {
    test(`${mode}-bit ${hex} is '${text}'`, () => expect(disasm(insn(hex, mode))).toBe(text));
  }

  test('a relative branch prints its target when the next RIP is given, $+n from the start otherwise', () => {
    // call .-0 (e8 fb ff ff ff: to itself)
    const call = insn('e8fbffffff', 64);
    expect(disasm(call, 0x1005)).toBe('call 0x1000');
    expect(disasm(call)).toBe('call $+0x0');
    // jmp short +2 in 16-bit code wraps at 64 KiB
    expect(disasm(insn('eb02', 16), 0xffff)).toBe('jmp 0x1');
  });
});

/**
 * Outside oracle: objdump's Intel syntax for every instruction with an interpreter row in a real
 * binary, after undoing objdump's style choices: `ds:0x28` for an absolute operand, `fs:0x28` without
 * brackets, `movabs` for MOV r64, imm64, RIP-relative displacements as 64-bit two's complement, and
 * the CS/DS prefixes (and repeated 66 prefixes, as `data16`) it prints in 64-bit code where the processor ignores them. Branches (objdump
 * prints symbol addresses), string instructions (objdump spells out their implicit operands) and
 * 66 90 (`xchg ax,ax`) are left to the table above.
 */
describe('disasm agrees with objdump', () => {
  /** Our text in objdump's spelling. */
  function objdumpStyle(text: string): string {
    return text
      .replace(/, /g, ',')
      .replace(/\b(\w+) ptr \[(0x[0-9a-f]+)\]/, (_m, ptr: string, a: string) => `${ptr} ptr ds:${a}`)
      .replace(/\b([fg]s):\[(0x[0-9a-f]+)\]/, '$1:$2');
  }
  /** objdump's text without its comments, ignored prefixes, `*1`, `+0x0` and 64-bit negative offsets. */
  function canonical(text: string): string {
    return text
      .toLowerCase()
      .replace(/\s+#.*$/, '')
      .replace(/^(?:(?:data16|cs|ds) )+/, '')
      .replace(/^movabs /, 'mov ')
      .replace(/\s+/, ' ')
      .replace(/\*1\b/g, '')
      .replace(/\+0x0\]/g, ']')
      .replace(
        /\[rip\+0x(f{8}[0-9a-f]{8})\]/,
        (_m, h: string) => `[rip-0x${(2n ** 64n - BigInt(`0x${h}`)).toString(16)}]`,
      );
  }
  test('every integer instruction of qemu-img .text', () => {
    const { insns, bytes: code } = objdump(['-d', '-j', '.text', '/usr/bin/qemu-img']);
    let compared = 0;
    const mismatches: string[] = [];
    for (const i of insns) {
      const r = decode(code, i.offset, code.length, 64);
      if ('kind' in r || r.op.exec === null) continue;
      const ops = r.op.operands;
      if (ops.includes('J') || /\b[XY][bvz]\b/.test(ops) || (r.opcode === 0x90 && r.map === 'primary'))
        continue;
      compared++;
      const want = canonical(i.text);
      const got = objdumpStyle(disasm(r));
      if (got !== want && mismatches.length < 10) mismatches.push(`${got} | ${want}`);
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(50_000);
  });
});
