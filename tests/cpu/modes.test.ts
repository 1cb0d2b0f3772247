import { describe, expect, test } from 'bun:test';
import { DecodeCache } from '../../core/index.ts';
import { assemble, loadReal, rig } from './helpers/asm.ts';

/**
 * One program walks every mode switch the reset-vector trampoline, the park trampoline and the AP
 * jump-table blob need: real -> 16-bit protected -> 32-bit protected -> compatibility (PAE, LME, PG)
 * -> 64-bit; then 64-bit -> compatibility -> paging off (LMA clears) -> EFER = 0 -> 16-bit protected
 * -> real mode via CR0.PE = 0 and a far jump.
 */
const ROUND_TRIP = `
	.code16
	.globl _start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7000, %sp
	movw	$0x1111, %bx
real1:
	lgdtl	gdtr
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpw	$0x20, $pm16
pm16:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
pm16_done:
	ljmpl	$0x08, $pm32
	.code32
pm32:
	movl	$0x9000, %esp
	movl	$0x11003, 0x10000
	movl	$0x12003, 0x11000
	movl	$0x000083, 0x12000
	movl	$0x200083, 0x12008
pm32_done:
	movl	$0x10000, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$0x20, %eax
	movl	%eax, %cr4
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0
compat1:
	ljmpl	$0x18, $lm64
	.code64
lm64:
	movabsq	$0x123456789abcdef0, %rax
	movq	%rax, %rdx
	shrq	$32, %rdx
	pushq	%rax
	popq	%rcx
	leaq	lm64(%rip), %rsi
	movq	$-1, %r8
	addq	$1, %r8
	movl	$0xffffffff, %r9d
lm64_done:
	ljmpl	*farptr(%rip)
	.code32
compat2:
	movl	%cr0, %eax
	btrl	$31, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $nopaging
nopaging:
	xorl	%eax, %eax
	xorl	%edx, %edx
	movl	$0xc0000080, %ecx
	wrmsr
	movl	%eax, %cr3
	ljmpw	$0x20, $pm16b
	.code16
pm16b:
	movw	$0x28, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movl	%cr0, %eax
	andl	$0xfffffffe, %eax
	movl	%eax, %cr0
	ljmpw	$0x0000, $real2
real2:
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	$0x2222, %bx
	hlt
	.balign 8
farptr:	.long	compat2
	.word	0x08
	.balign 8
gdt:	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08 32-bit code */
	.quad	0x00cf92000000ffff	/* 0x10 flat data */
	.quad	0x00af9a000000ffff	/* 0x18 64-bit code */
	.quad	0x00009a000000ffff	/* 0x20 16-bit code, base 0, limit 0xffff */
	.quad	0x000092000000ffff	/* 0x28 16-bit data, real-mode compatible */
gdt_end:
gdtr:	.word	gdt_end - gdt - 1
	.long	gdt
`;

describe('mode switches', () => {
  const a = assemble(ROUND_TRIP, 0x8000);
  const stops: [string, string][] = [
    ['real1', 'real'],
    ['pm16_done', 'protected16'],
    ['pm32_done', 'protected32'],
    ['compat1', 'compat32'],
    ['lm64_done', 'long64'],
    ['nopaging', 'protected32'],
    ['pm16b', 'protected16'],
    ['real2', 'real'],
  ];

  test('each label of the round trip runs in the mode it is written for', () => {
    const r = rig();
    loadReal(r, a, 0x8000);
    const seen: [string, string][] = [];
    for (const [label] of stops) {
      const stop = r.cpu.run({ maxInstructions: 1000, until: { ip: a.sym[label]! } });
      expect(stop).toEqual({
        kind: 'breakpoint',
        cs: Number(r.cpu.getReg('cs')),
        rip: BigInt(a.sym[label]!),
      });
      seen.push([label, r.cpu.mode()]);
      r.cpu.step();
    }
    expect(seen).toEqual(stops);
  });

  test('long mode: LMA set, 64-bit arithmetic and RIP-relative addressing', () => {
    const r = rig();
    loadReal(r, a, 0x8000);
    r.cpu.run({ maxInstructions: 1000, until: { ip: a.sym.lm64_done! } });
    expect(r.cpu.getReg('efer')).toBe(0x500n);
    expect(r.cpu.getReg('cr0')).toBe(0xe0000011n);
    expect(r.cpu.getReg('rax')).toBe(0x123456789abcdef0n);
    expect(r.cpu.getReg('rdx')).toBe(0x12345678n);
    expect(r.cpu.getReg('rcx')).toBe(0x123456789abcdef0n);
    expect(r.cpu.getReg('rsi')).toBe(BigInt(a.sym.lm64!));
    expect(r.cpu.getReg('r8')).toBe(0n);
    expect(r.cpu.getReg('rflags') & 0x41n).toBe(0x41n); // CF and ZF from -1 + 1
    expect(r.cpu.getReg('r9')).toBe(0xffffffffn);
    expect(r.cpu.getReg('rsp')).toBe(0x9000n);
    expect(r.cpu.getSegment('cs')).toEqual({
      selector: 0x18,
      base: 0n,
      limit: 0xffffffff,
      attributes: 0xa9b,
    });
  });

  test('back to real mode: EFER and CR3 cleared, CS:IP a real-mode pair', () => {
    const r = rig();
    loadReal(r, a, 0x8000);
    const stop = r.cpu.run({ maxInstructions: 1000 });
    expect(stop).toEqual({ kind: 'hlt' });
    expect(r.cpu.mode()).toBe('real');
    expect(r.cpu.getReg('efer')).toBe(0n);
    expect(r.cpu.getReg('cr3')).toBe(0n);
    expect(r.cpu.getReg('cr0') & 0x80000001n).toBe(0n);
    expect(r.cpu.getReg('bx')).toBe(0x2222n);
    expect(r.cpu.getReg('cs')).toBe(0n);
    expect(r.cpu.getReg('ip')).toBe(BigInt(a.sym.real2! + 8));
    // The 16-bit data segment loaded in protected mode leaves a real-mode compatible cache behind.
    expect(r.cpu.getSegment('ss')).toEqual({ selector: 0x28, base: 0n, limit: 0xffff, attributes: 0x93 });
  });

  test('compiled blocks take the same path (every block compiled on first use)', () => {
    const decodeCache = new DecodeCache();
    decodeCache.compileAfter = 0;
    const r = rig({ decodeCache });
    loadReal(r, a, 0x8000);
    expect(r.cpu.run({ maxInstructions: 1000 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.mode()).toBe('real');
    expect(r.cpu.getReg('bx')).toBe(0x2222n);
    expect(r.cpu.getReg('r9')).toBe(0xffffffffn);
    expect(r.cpu.getReg('rsi')).toBe(BigInt(a.sym.lm64!));
  });
});
