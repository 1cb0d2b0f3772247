/**
 * MMIO classification against Linux insn_decode_mmio (arch/x86/lib/insn-eval.c), first as exact cases,
 * then on every instruction of objdump-disassembled code: the test classifies objdump's mnemonic and
 * operands on its own, straight from a reference table of insn_decode_mmio's cases, and compares.
 */
import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from '../../core/cpu/decoder/index.ts';
import type { CodeSize } from '../../core/cpu/insn.ts';
import { type MmioClass, mmioClass } from '../../core/cpu/mmio-class.ts';
import { objdump } from './decoder/objdump.ts';

const bytes = (hex: string) =>
  Uint8Array.from((hex.match(/[0-9a-f]{2}/gi) ?? []).map((h) => Number.parseInt(h, 16)));

function classify(hex: string, mode: CodeSize): MmioClass | null {
  const b = bytes(hex);
  const r = decode(b, 0, b.length, mode);
  if ('kind' in r) throw new Error(`${hex}: ${r.reason}`);
  return mmioClass(r);
}

describe('mmioClass: the reference table', () => {
  const cases: [string, CodeSize, string, MmioClass | null][] = [
    ['8808', 64, 'mov byte ptr [rax], cl', { class: 'write', bytes: 1 }],
    ['8908', 64, 'mov dword ptr [rax], ecx', { class: 'write', bytes: 4 }],
    ['668908', 64, 'mov word ptr [rax], cx', { class: 'write', bytes: 2 }],
    ['48894810', 64, 'mov qword ptr [rax+0x10], rcx', { class: 'write', bytes: 8 }],
    ['66488908', 64, 'mov qword ptr [rax], rcx (REX.W wins over 66)', { class: 'write', bytes: 8 }],
    ['8907', 16, 'mov word ptr [bx], ax', { class: 'write', bytes: 2 }],
    ['668907', 16, 'mov dword ptr [bx], eax', { class: 'write', bytes: 4 }],
    ['c60005', 64, 'mov byte ptr [rax], 5', { class: 'write-imm', bytes: 1 }],
    ['c70001000000', 32, 'mov dword ptr [eax], 1', { class: 'write-imm', bytes: 4 }],
    ['48c700ffffffff', 64, 'mov qword ptr [rax], -1', { class: 'write-imm', bytes: 8 }],
    ['8a08', 64, 'mov cl, byte ptr [rax]', { class: 'read', bytes: 1 }],
    ['8b08', 64, 'mov ecx, dword ptr [rax]', { class: 'read', bytes: 4 }],
    ['488b05f0ffffff', 64, 'mov rax, qword ptr [rip-0x10]', { class: 'read', bytes: 8 }],
    ['0fb608', 64, 'movzx ecx, byte ptr [rax]', { class: 'read-zero-extend', bytes: 1 }],
    ['480fb708', 64, 'movzx rcx, word ptr [rax]', { class: 'read-zero-extend', bytes: 2 }],
    ['0fbe08', 32, 'movsx ecx, byte ptr [eax]', { class: 'read-sign-extend', bytes: 1 }],
    ['0fbf08', 64, 'movsx ecx, word ptr [rax]', { class: 'read-sign-extend', bytes: 2 }],
    ['a4', 64, 'movsb', { class: 'movs', bytes: 1 }],
    ['f3a5', 64, 'rep movsd', { class: 'movs', bytes: 4 }],
    ['f348a5', 64, 'rep movsq', { class: 'movs', bytes: 8 }],
    ['a5', 16, 'movsw', { class: 'movs', bytes: 2 }],
    ['0fae38', 64, 'clflush byte ptr [rax]', { class: 'ignore', bytes: 0 }],
    ['660fae38', 64, 'clflushopt byte ptr [rax]', { class: 'ignore', bytes: 0 }],
    // Not in the table, or no memory operand: decode failure.
    ['89c3', 64, 'mov ebx, eax', null],
    ['8bc3', 64, 'mov eax, ebx', null],
    ['c6c005', 64, 'mov al, 5', null],
    ['0fb6c0', 64, 'movzx eax, al', null],
    ['0faef8', 64, 'sfence (0F AE /7 with a register)', null],
    ['0fae30', 64, 'xsaveopt [rax] (0F AE /6)', null],
    ['a1efbeadde', 32, 'mov eax, [0xdeadbeef] (moffs)', null],
    ['a3efbeadde', 32, 'mov [0xdeadbeef], eax (moffs)', null],
    ['8c18', 64, 'mov word ptr [rax], ds', null],
    ['486308', 64, 'movsxd rcx, dword ptr [rax]', null],
    ['0108', 64, 'add dword ptr [rax], ecx', null],
    ['8708', 64, 'xchg dword ptr [rax], ecx', null],
    ['a6', 64, 'cmpsb', null],
    ['aa', 64, 'stosb', null],
    ['f20f1000', 64, 'movsd xmm0, qword ptr [rax]', null],
  ];
  for (const [hex, mode, asm, want] of cases) {
    test(`${mode}-bit ${hex} ${asm}: ${want === null ? 'null' : `${want.class} ${want.bytes}`}`, () => {
      expect(classify(hex, mode)).toEqual(want);
    });
  }
});

const SIZE: Record<string, number> = { byte: 1, word: 2, dword: 4, qword: 8 };
const SEGMENT_REGISTER = /^(es|cs|ss|ds|fs|gs)$/;
const PREFIXES =
  /^(?:(?:rep|repz|repnz|repe|repne|lock|data16|data32|addr16|addr32|cs|ds|es|ss|fs|gs|notrack|bnd)\s+)+/;

/**
 * The reference table applied to objdump's Intel text. A memory operand prints with a size
 * (`DWORD PTR [rax]`, `DWORD PTR ds:0x1234` for a no-base disp32); moffs (A0-A3) prints without one
 * (`ds:0x1234`, or `movabs` in 64-bit code), so it falls outside the table as in the kernel.
 */
function fromObjdump(text: string): MmioClass | null {
  const t = text
    .toLowerCase()
    .replace(/\s+#.*$/, '')
    .replace(PREFIXES, '');
  const space = t.indexOf(' ');
  const mnemonic = space < 0 ? t : t.slice(0, space);
  const ops = space < 0 ? [] : t.slice(space).trim().split(',');
  const memSize = (op: string | undefined) => {
    const m = /^(byte|word|dword|qword) ptr /.exec(op ?? '');
    return m === null ? 0 : SIZE[m[1]!]!;
  };
  const [dst, src] = ops;
  switch (mnemonic) {
    case 'mov':
      if (SEGMENT_REGISTER.test(dst ?? '') || SEGMENT_REGISTER.test(src ?? '')) return null;
      if (memSize(dst) > 0) {
        return /^(0x[0-9a-f]+|\d+)$/.test(src ?? '')
          ? { class: 'write-imm', bytes: memSize(dst) }
          : { class: 'write', bytes: memSize(dst) };
      }
      return memSize(src) > 0 ? { class: 'read', bytes: memSize(src) } : null;
    case 'movzx':
      return memSize(src) > 0 ? { class: 'read-zero-extend', bytes: memSize(src) } : null;
    case 'movsx':
      return memSize(src) > 0 ? { class: 'read-sign-extend', bytes: memSize(src) } : null;
    case 'movs':
      return { class: 'movs', bytes: memSize(dst) };
    case 'clflush':
    case 'clflushopt':
      return memSize(dst) > 0 ? { class: 'ignore', bytes: 0 } : null;
    default:
      return null;
  }
}

function agree(
  args: string[],
  mode: CodeSize,
): { compared: number; classified: number; mismatches: string[] } {
  const { insns, bytes: code } = objdump(args);
  let compared = 0;
  let classified = 0;
  const mismatches: string[] = [];
  for (const i of insns) {
    if (i.text.includes('(bad)')) continue;
    const r = decode(code, i.offset, code.length, mode);
    if ('kind' in r || r.length !== i.length) continue;
    compared++;
    const ours = mmioClass(r);
    const theirs = fromObjdump(i.text);
    if (ours !== null) classified++;
    if (JSON.stringify(ours) !== JSON.stringify(theirs) && mismatches.length < 10) {
      mismatches.push(`${i.text}: ours ${JSON.stringify(ours)}, table ${JSON.stringify(theirs)}`);
    }
  }
  return { compared, classified, mismatches };
}

/** Every table row and its look-alikes, in each code size (GNU as syntax). */
const CORPUS = `
  mov %cl,(%BX); mov %ecx,(%BX); mov %cx,(%BX); mov %ch,4(%BX)
  movb $5,(%BX); movw $0x1234,(%BX); movl $-1,8(%BX)
  mov (%BX),%cl; mov (%BX),%ecx; mov (%BX),%cx; mov (%BX),%dh
  movzbl (%BX),%ecx; movzwl (%BX),%ecx; movzbw (%BX),%cx; movsbl (%BX),%ecx; movswl (%BX),%ecx; movsbw (%BX),%cx
  movsb; movsw; movsl; rep movsb; rep movsl
  clflush (%BX); clflushopt (%BX); sfence; lfence; mfence
  mov %ecx,%ebx; mov %cl,%bl; mov $5,%al; mov $5,%ecx; movzbl %al,%ecx
  mov 0x1234,%eax; mov %eax,0x1234; mov 0x1234,%al; mov %ds,(%BX); mov (%BX),%ds
  add %ecx,(%BX); xchg %ecx,(%BX); cmpsb; stosb; lodsb; scasb; lea (%BX),%ecx
  mov %fs:(%BX),%ecx; mov %ecx,%es:4(%BX)
`;
const CORPUS64 = `
  mov %rcx,(%rax); mov %r8,(%r9); mov %r8b,(%rax); mov %sil,(%rax); mov %r15w,(%r12)
  movq $-1,(%rax); movq $0x7fffffff,0x10(%rsp); movb $1,(%r13)
  mov (%rax),%rcx; mov 0x10(%rip),%rax; mov (%rax,%rbx,8),%r10d; mov (%rax),%spl
  movzbq (%rax),%rcx; movzwq (%rax),%r9; movsbq (%rax),%rcx; movswq (%rax),%r9; movslq (%rax),%rcx
  movsq; rep movsq; addr32 movsb
  mov %rax,%rbx; movabs 0x1122334455667788,%rax; movabs %al,0x1122334455667788; mov %cr3,%rax
`;

function assemble(dir: string, name: string, code16or32or64: 16 | 32 | 64, body: string): string {
  const src = join(dir, `${name}.s`);
  const obj = join(dir, `${name}.o`);
  const directive = { 16: '.code16', 32: '.code32', 64: '.code64' }[code16or32or64];
  const base = code16or32or64 === 64 ? '%rax' : code16or32or64 === 32 ? '%eax' : '%bx';
  writeFileSync(src, `${directive}\n${body.replaceAll('%BX', base).replaceAll(';', '\n')}\n`);
  const r = spawnSync('as', [code16or32or64 === 64 ? '--64' : '--32', '-o', obj, src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`as ${name}: ${r.stderr}`);
  return obj;
}

describe('mmioClass agrees with the reference table on objdump-disassembled code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sevlab-mmio-'));
  const MACHINE = { 16: 'i8086', 32: 'i386', 64: 'i386:x86-64' } as const;
  for (const mode of [16, 32, 64] as const) {
    test(`${mode}-bit: every table row and its look-alikes, assembled by as`, () => {
      const obj = assemble(dir, `corpus${mode}`, mode, mode === 64 ? CORPUS + CORPUS64 : CORPUS);
      const r = agree(['-d', '-m', MACHINE[mode], obj], mode);
      expect(r.mismatches).toEqual([]);
      expect(r.classified).toBeGreaterThan(mode === 64 ? 40 : 25);
    });
  }
  test('64-bit: every instruction of libc .text', () => {
    const r = agree(['-d', '-j', '.text', '/lib/x86_64-linux-gnu/libc.so.6'], 64);
    expect(r.mismatches).toEqual([]);
    expect(r.classified).toBeGreaterThan(50_000);
  });
});
