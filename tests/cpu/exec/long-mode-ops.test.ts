import { describe, expect, test } from 'bun:test';
import { assemble, type Rig, rig } from '../helpers/asm.ts';

/**
 * 64-bit operand forms (the BigInt path of the ALU, shifts, multiply/divide, bit scans, string
 * instructions with 64-bit registers), each case a few instructions run from the reset of registers
 * below; expected values worked out by hand from the AMD manual's definitions.
 */
const CF = 0x1n;
const ZF = 0x40n;
const SF = 0x80n;
const OF = 0x800n;
const STATUS = CF | ZF | SF | OF;

interface Case {
  name: string;
  asm: string;
  regs?: Record<string, bigint>;
  want: Record<string, bigint>;
  /** CF ZF SF OF after the case, when they are defined. */
  flags?: bigint;
}

const M = (1n << 64n) - 1n;

const CASES: Case[] = [
  {
    name: 'ADD wraps to zero: CF ZF',
    asm: 'addq %rbx, %rax',
    regs: { rax: M, rbx: 1n },
    want: { rax: 0n },
    flags: CF | ZF,
  },
  {
    name: 'ADD signed overflow: OF SF',
    asm: 'addq %rbx, %rax',
    regs: { rax: (1n << 63n) - 1n, rbx: 1n },
    want: { rax: 1n << 63n },
    flags: OF | SF,
  },
  {
    name: 'SUB borrow: CF SF',
    asm: 'subq %rbx, %rax',
    regs: { rax: 0n, rbx: 1n },
    want: { rax: M },
    flags: CF | SF,
  },
  {
    name: 'ADC adds the carry',
    asm: 'stc\n adcq %rbx, %rax',
    regs: { rax: 1n, rbx: 2n },
    want: { rax: 4n },
    flags: 0n,
  },
  {
    name: 'SBB subtracts the carry',
    asm: 'stc\n sbbq %rbx, %rax',
    regs: { rax: 5n, rbx: 2n },
    want: { rax: 2n },
    flags: 0n,
  },
  {
    name: 'NEG of a non-zero value sets CF',
    asm: 'negq %rax',
    regs: { rax: 5n },
    want: { rax: M - 4n },
    flags: CF | SF,
  },
  {
    name: 'INC carries across bit 32 and keeps CF',
    asm: 'stc\n incq %rax',
    regs: { rax: 0xffffffffn },
    want: { rax: 0x100000000n },
    flags: CF,
  },
  {
    name: 'IMUL r64, r/m64 overflow: CF OF',
    asm: 'imulq %rbx, %rax',
    regs: { rax: 1n << 32n, rbx: 1n << 32n },
    want: { rax: 0n },
  },
  { name: 'MUL r/m64: RDX:RAX', asm: 'mulq %rbx', regs: { rax: M, rbx: 2n }, want: { rax: M - 1n, rdx: 1n } },
  {
    name: 'DIV r/m64 of RDX:RAX',
    asm: 'divq %rbx',
    regs: { rdx: 1n, rax: 0n, rbx: 2n },
    want: { rax: 1n << 63n, rdx: 0n },
  },
  {
    name: 'IDIV truncates toward zero',
    asm: 'cqo\n idivq %rbx',
    regs: { rax: M - 6n, rbx: 2n },
    want: { rax: M - 2n, rdx: M },
  },
  { name: 'SHL by 63', asm: 'shlq $63, %rax', regs: { rax: 3n }, want: { rax: 1n << 63n }, flags: CF | SF },
  {
    name: 'SAR keeps the sign',
    asm: 'sarq $4, %rax',
    regs: { rax: 1n << 63n },
    want: { rax: 0xf800000000000000n },
  },
  {
    name: 'ROL by 8',
    asm: 'rolq $8, %rax',
    regs: { rax: 0x1122334455667788n },
    want: { rax: 0x2233445566778811n },
  },
  {
    name: 'SHLD by 16',
    asm: 'shldq $16, %rbx, %rax',
    regs: { rax: 0x1111222233334444n, rbx: 0xaaaabbbbccccddddn },
    want: { rax: 0x222233334444aaaan },
  },
  {
    name: 'BSF and BSR',
    asm: 'bsfq %rax, %rcx\n bsrq %rbx, %rdx',
    regs: { rax: 1n << 40n, rbx: 3n },
    want: { rcx: 40n, rdx: 1n },
  },
  { name: 'BT bit 63', asm: 'btq $63, %rax', regs: { rax: 1n << 63n }, want: { rax: 1n << 63n }, flags: CF },
  {
    name: 'MOVSXD',
    asm: 'movslq %ebx, %rax',
    regs: { rbx: 0x80000000n },
    want: { rax: 0xffffffff80000000n },
  },
  { name: 'CDQE', asm: 'cltq', regs: { rax: 0xdead_beef_8000_0000n }, want: { rax: 0xffffffff80000000n } },
  {
    name: 'BSWAP r64',
    asm: 'bswapq %rax',
    regs: { rax: 0x0102030405060708n },
    want: { rax: 0x0807060504030201n },
  },
  {
    name: 'XADD exchanges and adds',
    asm: 'xaddq %rbx, %rax',
    regs: { rax: 10n, rbx: 3n },
    want: { rax: 13n, rbx: 10n },
  },
  {
    name: 'CMPXCHG: equal stores the source',
    asm: 'cmpxchgq %rcx, %rbx',
    regs: { rax: 7n, rbx: 7n, rcx: 9n },
    want: { rbx: 9n, rax: 7n },
    flags: ZF,
  },
  {
    name: 'LEA with scale and a negative displacement',
    asm: 'leaq -8(%rbx,%rcx,8), %rax',
    regs: { rbx: 0x1000n, rcx: 3n },
    want: { rax: 0x1010n },
  },
  { name: 'PUSH imm32 is sign-extended', asm: 'pushq $-2\n popq %rax', want: { rax: M - 1n, rsp: 0x8000n } },
  {
    name: 'CMOVNE moves, SETE stores 0',
    asm: 'cmpq $1, %rax\n cmovneq %rbx, %rcx\n sete %dl',
    regs: { rax: 2n, rbx: 5n, rdx: 0xffn },
    want: { rcx: 5n, rdx: 0n },
  },
  {
    name: 'REP STOSQ then REP MOVSQ',
    asm: 'movl $0x5000, %edi\n movl $4, %ecx\n rep stosq\n movl $0x5000, %esi\n movl $0x6000, %edi\n movl $4, %ecx\n rep movsq\n movq 0x6018, %rbx',
    regs: { rax: 0x0123456789abcdefn },
    want: { rbx: 0x0123456789abcdefn, rcx: 0n, rdi: 0x6020n, rsi: 0x5020n },
  },
  {
    name: 'REPE CMPSB stops at the first difference',
    asm: 'movl $0x5000, %esi\n movl $0x5100, %edi\n movl $8, %ecx\n movl $0x44434241, 0x5000\n movl $0x45434241, 0x5100\n repe cmpsb',
    want: { rcx: 4n, rsi: 0x5004n },
  },
];

function longMode(r: Rig): void {
  const c = r.cpu;
  c.reset();
  c.setReg('cr3', 0x10000n);
  c.setReg('cr4', 0x20n);
  c.setReg('efer', 0x500n);
  c.setReg('cr0', 0x80000011n);
  c.setSegment('cs', { selector: 0x10, base: 0n, limit: 0xffffffff, attributes: 0xa9b });
  c.setSegment('ss', { selector: 0x18, base: 0n, limit: 0xffffffff, attributes: 0xc93 });
  c.setReg('rsp', 0x8000n);
  c.setReg('rdx', 0n);
}

describe('64-bit operands in long mode', () => {
  const source = CASES.map((k, n) => `case${n}:\n ${k.asm}\n hlt`).join('\n');
  const a = assemble(`\t.code64\n\t.globl _start\n_start:\n${source}\n`, 0x1000);
  const r = rig();
  r.memory.write64(0x10000, 0x11003n);
  r.memory.write64(0x11000, 0x12003n);
  r.memory.write64(0x12000, 0x83n);
  r.memory.write(0x1000, a.bytes);

  CASES.forEach((k, n) => {
    test(k.name, () => {
      longMode(r);
      for (const [reg, v] of Object.entries(k.regs ?? {})) r.cpu.setReg(reg, v);
      r.cpu.setReg('rip', BigInt(a.sym[`case${n}`]!));
      expect(r.cpu.run({ maxInstructions: 100 })).toEqual({ kind: 'hlt' });
      const got = Object.fromEntries(Object.keys(k.want).map((reg) => [reg, r.cpu.getReg(reg)]));
      expect(got).toEqual(k.want);
      if (k.flags !== undefined) expect(r.cpu.getReg('rflags') & STATUS).toBe(k.flags);
    });
  });

  test('IMUL and MUL report a significant high half in CF and OF', () => {
    longMode(r);
    r.cpu.setReg('rax', 1n << 32n);
    r.cpu.setReg('rbx', 1n << 32n);
    r.cpu.setReg('rip', BigInt(a.sym.case7!));
    r.cpu.run({ maxInstructions: 10 });
    expect(r.cpu.getReg('rflags') & (CF | OF)).toBe(CF | OF);
  });
});
