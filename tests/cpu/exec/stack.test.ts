import { describe, expect, test } from 'bun:test';
import { assemble, loadReal, rig, run32 } from '../helpers/asm.ts';

describe('stack instructions', () => {
  test('ENTER with a nesting level copies the frame pointers; LEAVE undoes it', () => {
    const r = rig();
    const a = assemble(
      `	.code16
	.globl _start
_start:
	xorw	%ax, %ax
	movw	%ax, %ss
	movw	%ax, %ds
	movw	$0x7000, %sp
	movw	$0x6000, %bp
	movw	$0x1111, 0x5ffe
	enter	$8, $2
entered:
	leave
	hlt`,
      0x8000,
    );
    loadReal(r, a, 0x8000);
    r.cpu.run({ maxInstructions: 20, until: { ip: a.sym.entered! } });
    expect(r.cpu.getReg('bp')).toBe(0x6ffen);
    expect(r.cpu.getReg('sp')).toBe(0x6ff2n);
    expect([0x6ffe, 0x6ffc, 0x6ffa].map((x) => r.memory.read16(x))).toEqual([0x6000, 0x1111, 0x6ffe]);
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('bp')).toBe(0x6000n);
    expect(r.cpu.getReg('sp')).toBe(0x7000n);
  });

  test('PUSHAD/POPAD round trip; POPAD skips ESP', () => {
    const r = rig();
    run32(
      r,
      ` movl $1, %eax
 movl $2, %ecx
 movl $3, %edx
 movl $4, %ebx
 movl $6, %ebp
 movl $7, %esi
 movl $8, %edi
 pushal
 movl 12(%esp), %eax
 movl %eax, 0x5000
 xorl %eax, %eax
 xorl %ecx, %ecx
 movl $0x99, 12(%esp)
 popal
 hlt`,
    );
    expect(r.cpu.run({ maxInstructions: 30 })).toEqual({ kind: 'hlt' });
    expect(['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'].map((n) => r.cpu.getReg(n))).toEqual([
      1n,
      2n,
      3n,
      4n,
      0x7000n,
      6n,
      7n,
      8n,
    ]);
    // The ESP image PUSHAD stored is the value before the first push.
    expect(r.memory.read32(0x5000)).toBe(0x7000);
  });

  test('PUSH/POP of a segment register in 32-bit code moves ESP by 4', () => {
    const r = rig();
    run32(r, ' pushl %ds\n movl %esp, %ebx\n popl %es\n hlt');
    expect(r.cpu.run({ maxInstructions: 10 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('ebx')).toBe(0x7000n - 4n);
    expect(r.cpu.getReg('esp')).toBe(0x7000n);
    expect(r.memory.read32(0x7000 - 4)).toBe(0x10);
  });

  test('far CALL and RETF imm16 in 32-bit protected mode', () => {
    const r = rig();
    const a = run32(
      r,
      ` lgdtl gdtr
 pushl $0x11
 pushl $0x22
 lcall $0x08, $far_fn
back:
 hlt
far_fn:
 movl 4(%esp), %ecx
 lret $8
 .balign 8
gdt:
 .quad 0, 0x00cf9a000000ffff, 0x00cf92000000ffff
gdt_end:
gdtr:
 .word gdt_end - gdt - 1
 .long gdt`,
    );
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('ecx')).toBe(0x08n);
    expect(r.cpu.getReg('esp')).toBe(0x7000n);
    expect(r.cpu.getReg('eip')).toBe(BigInt(a.sym.back! + 1));
  });
});
