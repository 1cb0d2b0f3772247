import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble, rig } from '../helpers/asm.ts';

/**
 * Differential test against the host CPU: each snippet below (GNU as, 64-bit mode) is run natively by
 * a small harness that gcc builds at test time, and in the emulator in long mode; the registers and the
 * flags the AMD manual defines for the snippet must agree. The host of these machines is an AMD EPYC,
 * the vendor this project models (SEV-ES); the snippets avoid the forms where AMD and Intel differ
 * except where the model follows AMD on purpose (CMPXCHG with a register destination).
 */

/** Flag letters a snippet leaves undefined (AMD APM Vol. 3, each instruction's "rFLAGS Affected"). */
const FLAG_BITS = { C: 0x1n, P: 0x4n, A: 0x10n, Z: 0x40n, S: 0x80n, O: 0x800n } as const;
const DEFINED = 0x8d5n;

interface Snippet {
  asm: string;
  /** Undefined flags, as letters of FLAG_BITS. */
  undef?: string;
}

const VALUE = '$0x87654321fedcba98';

/** Undefined flags of a group 2 shift or rotate by a count already masked to `n` (AMD APM Vol. 3). */
function shiftUndef(op: string, n: number): string {
  if (n === 0) return '';
  const rotate = op.startsWith('r');
  return (rotate ? '' : 'A') + (n > 1 ? 'O' : '');
}

function shiftSnippets(): Snippet[] {
  const out: Snippet[] = [];
  for (const op of ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr']) {
    for (const [suffix, reg, width] of [
      ['l', '%ebx', 32],
      ['q', '%rbx', 64],
    ] as const) {
      for (const count of [0, 1, 31, 32, 63]) {
        const n = count & (width - 1);
        const undef = shiftUndef(op, n);
        out.push({ asm: `movabsq ${VALUE}, %rbx; movb $${count}, %cl; ${op}${suffix} %cl, ${reg}`, undef });
        if (count !== 1) out.push({ asm: `movabsq ${VALUE}, %rbx; ${op}${suffix} $${count}, ${reg}`, undef });
      }
    }
  }
  for (const op of ['shld', 'shrd']) {
    for (const [suffix, src, dst, width] of [
      ['l', '%edx', '%ebx', 32],
      ['q', '%rdx', '%rbx', 64],
    ] as const) {
      for (const count of [0, 1, 31, 32, 63]) {
        const n = count & (width - 1);
        const undef = n === 0 ? '' : `A${n > 1 ? 'O' : ''}`;
        const set = `movabsq ${VALUE}, %rbx; movabsq $0x0123456789abcdef, %rdx`;
        out.push({ asm: `${set}; movb $${count}, %cl; ${op}${suffix} %cl, ${src}, ${dst}`, undef });
        out.push({ asm: `${set}; ${op}${suffix} $${count}, ${src}, ${dst}`, undef });
      }
    }
  }
  return out;
}

const OTHER: Snippet[] = [
  // CMPXCHG: equal stores the source; not equal loads the accumulator and leaves a register destination.
  { asm: 'movabsq $0xaaaaaaaa55555555, %rbx; movl $0x55555555, %eax; movq $-2, %rcx; cmpxchgl %ecx, %ebx' },
  { asm: 'movabsq $0xaaaaaaaa55555555, %rbx; movq $-1, %rax; movq $-2, %rcx; cmpxchgl %ecx, %ebx' },
  { asm: 'movabsq $0xaaaaaaaa55555555, %rbx; movq %rbx, %rax; movq $-2, %rcx; cmpxchgq %rcx, %rbx' },
  { asm: 'movabsq $0xaaaaaaaa55555555, %rbx; movq $-1, %rax; movq $-2, %rcx; cmpxchgq %rcx, %rbx' },
  { asm: 'movabsq $0xaaaaaaaa55555555, %rbx; movq $-1, %rax; movq $-2, %rcx; cmpxchgw %cx, %bx' },
  { asm: 'movabsq $0xaaaaaaaa55555555, %rbx; movq $0x55, %rax; movq $-2, %rcx; cmpxchgb %cl, %bl' },
  {
    asm: 'movabsq $0xaaaaaaaa55555555, %rbx; movq %rbx, 64(%r15); movq $-1, %rax; movq $-2, %rcx; cmpxchgl %ecx, 64(%r15); movq 64(%r15), %rdx',
  },
  {
    asm: 'movabsq $0xaaaaaaaa55555555, %rbx; movq %rbx, 64(%r15); movl $0x55555555, %eax; movq $-2, %rcx; cmpxchgl %ecx, 64(%r15); movq 64(%r15), %rdx',
  },
  // BSF/BSR: ZF is the only defined flag.
  {
    asm: 'movl $0x00f00000, %ecx; movq $-1, %rbx; bsfl %ecx, %ebx; movq $-1, %rdx; bsrl %ecx, %edx',
    undef: 'CPASO',
  },
  {
    asm: 'movabsq $0x8000010000000000, %rcx; bsfq %rcx, %rbx; bsrq %rcx, %rdx',
    undef: 'CPASO',
  },
  {
    asm: 'xorl %ecx, %ecx; movq $-1, %rbx; bsfq %rcx, %rbx; movq $-1, %rdx; bsrq %rcx, %rdx',
    undef: 'CPASO',
  },
  { asm: 'movw $0x0180, %cx; movq $-1, %rbx; bsfw %cx, %bx; bsrw %cx, %dx', undef: 'CPASO' },
  // BT family: CF is the only defined flag; a register bit offset is taken modulo the operand size.
  { asm: 'movl $0x12345678, %ebx; movl $35, %ecx; btl %ecx, %ebx; setc %dl', undef: 'PASO' },
  { asm: 'movq $-1, %rbx; movl $35, %ecx; btsl %ecx, %ebx', undef: 'PASO' },
  { asm: 'movq $-1, %rbx; movl $3, %ecx; btrl %ecx, %ebx', undef: 'PASO' },
  { asm: 'movq $-1, %rbx; movl $63, %ecx; btcl %ecx, %ebx', undef: 'PASO' },
  { asm: 'movq $-1, %rbx; movl $63, %ecx; btcq %rcx, %rbx', undef: 'PASO' },
  { asm: 'movq $-1, %rbx; btrq $40, %rbx; btsw $17, %dx', undef: 'PASO' },
  {
    asm: 'movq $0, 64(%r15); movq $0, 72(%r15); movl $67, %eax; btsl %eax, 64(%r15); movq 72(%r15), %rcx; movq 64(%r15), %rdx',
    undef: 'PASO',
  },
  {
    asm: 'movq $-1, 64(%r15); movq $-1, 72(%r15); movq $-3, %rax; btrq %rax, 72(%r15); movq 64(%r15), %rcx; movq 72(%r15), %rdx',
    undef: 'PASO',
  },
  // XADD: the destination gets the sum, the source the old destination.
  { asm: 'movq $-1, %rbx; movq $-1, %rcx; xaddl %ecx, %ebx' },
  { asm: 'movq $-1, %rbx; movq $1, %rcx; xaddq %rcx, %rbx' },
  { asm: 'movq $-1, %rbx; movq $0x7f, %rcx; xaddb %cl, %bl' },
  { asm: 'movq $-1, %rbx; movq $1, %rcx; xaddw %cx, %bx' },
  {
    asm: 'movq $0x7fffffff, 64(%r15); movq $-1, %rcx; movl $1, %ecx; xaddl %ecx, 64(%r15); movq 64(%r15), %rdx',
  },
  // BSWAP: a 32-bit form zero-extends.
  {
    asm: `movabsq ${VALUE}, %rbx; bswapl %ebx; movabsq ${VALUE}, %rcx; bswapq %rcx; movq $-1, %r8; bswapl %r8d`,
  },
  // SETcc after signed and unsigned compares.
  {
    asm: 'movabsq $0x8000000000000000, %rax; xorl %ebx, %ebx; cmpq %rbx, %rax; setl %bl; setb %bh; seto %cl; setp %ch; sets %dl; setle %dh; setg %r8b; seta %r9b',
  },
  {
    asm: 'movl $5, %eax; cmpl $7, %eax; setl %bl; setb %bh; seto %cl; setnp %ch; setns %dl; setbe %dh; setge %r8b; setae %r9b',
  },
  // CMOVcc: a 32-bit CMOV with a false condition still clears bits 63:32 (both vendors).
  { asm: 'movq $-1, %rbx; movq $-2, %rcx; cmpl %eax, %eax; cmovnel %ecx, %ebx; cmovel %ecx, %edx' },
  { asm: 'movq $-1, %rbx; movq $-2, %rcx; cmpl %eax, %eax; cmovneq %rcx, %rbx; cmovnew %cx, %dx' },
  {
    asm: 'movq $-1, %rbx; movq $-1, %rdx; movl $3, %ecx; cmpl $4, %ecx; cmovgl %ecx, %ebx; cmovbl %ecx, %edx',
  },
];

const SNIPPETS: Snippet[] = [...shiftSnippets(), ...OTHER];

/** Registers stored by every snippet, in buffer order, then RFLAGS. */
const REGS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9'] as const;

/**
 * One function per snippet, `sN(uint64_t *buf)` under the SysV ABI: known register values and
 * RFLAGS = CF PF AF ZF SF OF set (so a zero count visibly keeps them), the snippet, then the registers
 * and RFLAGS stored to buf[0..8]; buf[8..] is scratch memory for the snippet (64(%r15)).
 */
function source(): string {
  const init = [
    'movabsq $0x1111111111111111, %rax',
    'movabsq $0x2222222222222222, %rbx',
    'movabsq $0x3333333333333333, %rcx',
    'movabsq $0x4444444444444444, %rdx',
    'movabsq $0x5555555555555555, %rsi',
    'movabsq $0x6666666666666666, %rdi',
    'movabsq $0x7777777777777777, %r8',
    'movabsq $0x8888888888888888, %r9',
    'pushq $0x8d7',
    'popfq',
  ];
  const store = [
    'pushfq',
    'popq %r14',
    ...REGS.map((r, k) => `movq %${r}, ${k * 8}(%r15)`),
    `movq %r14, ${REGS.length * 8}(%r15)`,
  ];
  const fns = SNIPPETS.map((s, k) =>
    [
      `\t.globl s${k}`,
      `s${k}:`,
      'pushq %rbx',
      'pushq %r14',
      'pushq %r15',
      'movq %rdi, %r15',
      ...init,
      ...s.asm.split(';').map((x) => x.trim()),
      ...store,
      'popq %r15',
      'popq %r14',
      'popq %rbx',
      'ret',
    ].join('\n\t'),
  );
  return [
    '\t.text',
    '\t.globl halt',
    'halt:',
    '\thlt',
    ...fns,
    '\t.section .note.GNU-stack,"",@progbits',
    '',
  ].join('\n');
}

function harnessC(): string {
  const decls = SNIPPETS.map((_, k) => `void s${k}(unsigned long *);`).join('\n');
  const table = SNIPPETS.map((_, k) => `s${k}`).join(', ');
  return `#include <stdio.h>
${decls}
static void (*const snippets[])(unsigned long *) = { ${table} };
int main(void) {
  for (unsigned k = 0; k < sizeof snippets / sizeof snippets[0]; k++) {
    unsigned long b[16] = { 0 };
    snippets[k](b);
    printf("%u", k);
    for (int j = 0; j < ${REGS.length + 1}; j++) printf(" %lx", b[j]);
    printf("\\n");
  }
  return 0;
}
`;
}

function tool(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw new Error(`${cmd} could not run (${r.error.message}): install gcc and GNU binutils.`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Rows of [registers..., rflags] per snippet, from the host CPU. */
function runNative(src: string): bigint[][] {
  const dir = mkdtempSync(join(tmpdir(), 'sevlab-host-diff-'));
  try {
    writeFileSync(join(dir, 'snippets.S'), src);
    writeFileSync(join(dir, 'main.c'), harnessC());
    tool('gcc', ['-O1', '-o', 'native', 'main.c', 'snippets.S'], dir);
    return tool(join(dir, 'native'), [], dir)
      .trim()
      .split('\n')
      .map((line) =>
        line
          .split(' ')
          .slice(1)
          .map((v) => BigInt(`0x${v}`)),
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CODE = 0x100000;
const STACK = 0x20000;
const BUF = 0x30000;

/** The same functions in the emulator, in long mode with the first 2 MiB identity-mapped. */
function runEmulated(src: string): bigint[][] {
  const a = assemble(src, CODE);
  const r = rig();
  r.memory.write64(0x10000, 0x11003n);
  r.memory.write64(0x11000, 0x12003n);
  r.memory.write64(0x12000, 0x83n);
  r.memory.write(CODE, a.bytes);
  const c = r.cpu;
  return SNIPPETS.map((_, k) => {
    c.reset();
    c.setReg('cr3', 0x10000n);
    c.setReg('cr4', 0x20n);
    c.setReg('efer', 0x500n);
    c.setReg('cr0', 0x80000011n);
    c.setSegment('cs', { selector: 0x10, base: 0n, limit: 0xffffffff, attributes: 0xa9b });
    c.setSegment('ss', { selector: 0x18, base: 0n, limit: 0xffffffff, attributes: 0xc93 });
    // The snippet returns to halt, a HLT.
    r.memory.write64(STACK, BigInt(a.sym.halt!));
    c.setReg('rsp', BigInt(STACK));
    c.setReg('rdi', BigInt(BUF));
    c.setReg('rip', BigInt(a.sym[`s${k}`]!));
    const stop = c.run({ maxInstructions: 200 });
    if (stop.kind !== 'hlt') throw new Error(`snippet ${k} stopped with ${stop.kind}`);
    return Array.from({ length: REGS.length + 1 }, (_, j) => r.memory.read64(BUF + j * 8));
  });
}

/** One line per snippet: the registers, then RFLAGS with its undefined flags masked. */
function render(rows: bigint[][]): string[] {
  return rows.map((row, k) => {
    let mask = DEFINED;
    for (const f of SNIPPETS[k]!.undef ?? '') mask &= ~FLAG_BITS[f as keyof typeof FLAG_BITS];
    const regs = REGS.map((r, j) => `${r}=${row[j]!.toString(16)}`).join(' ');
    return `${SNIPPETS[k]!.asm} => ${regs} flags=${(row[REGS.length]! & mask).toString(16)}`;
  });
}

describe('64-bit mode snippets agree with the host CPU', () => {
  test(`${SNIPPETS.length} snippets: registers and defined flags`, () => {
    const src = source();
    const native = render(runNative(src));
    const emulated = render(runEmulated(src));
    expect(native.length).toBe(SNIPPETS.length);
    expect(emulated).toEqual(native);
  });
});
