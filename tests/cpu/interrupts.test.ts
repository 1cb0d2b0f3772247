import { describe, expect, test } from 'bun:test';
import { assemble, loadReal, rig, run32 } from './helpers/asm.ts';

/**
 * Flat 32-bit GDT (0x08 code, 0x10 data, then `extra` descriptors from 0x18) and an IDT whose gates are
 * listed as `vector: handler` pairs.
 */
function tables(gates: [number, string, number?][], extra: string[] = []): string {
  const rows = gates
    .map(([v, h, type]) => ` .org idt + ${v * 8}\n .word ${h}, 0x08, ${type ?? 0x8e00}, 0`)
    .join('\n');
  return `
 .balign 8
gdt:
 .quad ${['0', '0x00cf9a000000ffff', '0x00cf92000000ffff', ...extra].join(', ')}
gdt_end:
gdtr:
 .word gdt_end - gdt - 1
 .long gdt
 .balign 8
idt:
${rows}
 .org idt + 256 * 8
idt_end:
idtr:
 .word idt_end - idt - 1
 .long idt`;
}

describe('real mode', () => {
  test('#DE goes through the IVT: FLAGS, CS, IP of the DIV pushed; IF and TF cleared', () => {
    const r = rig();
    const a = assemble(
      `	.code16
	.globl _start
_start:
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7000, %sp
	movw	$de_handler, 0
	movw	$0, 2
	sti
	xorb	%bl, %bl
at:
	divb	%bl
	hlt
de_handler:
	movw	$0xdead, %cx
	hlt`,
      0x8000,
    );
    loadReal(r, a, 0x8000);
    expect(r.cpu.run({ maxInstructions: 50 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('cx')).toBe(0xdeadn);
    expect(r.cpu.getReg('sp')).toBe(0x7000n - 6n);
    expect(r.memory.read16(0x7000 - 6)).toBe(a.sym.at!);
    expect(r.memory.read16(0x7000 - 4)).toBe(0);
    expect(r.memory.read16(0x7000 - 2) & 0x200).toBe(0x200);
    expect(r.cpu.getReg('flags') & 0x300n).toBe(0n);
  });

  test('INT n is a trap: the pushed IP is the next instruction; IRET comes back', () => {
    const r = rig();
    const a = assemble(
      `	.code16
	.globl _start
_start:
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7000, %sp
	movw	$handler, 0x80 * 4
	movw	$0, 0x80 * 4 + 2
	int	$0x80
back:
	hlt
handler:
	movw	$0x77, %dx
	iret`,
      0x8000,
    );
    loadReal(r, a, 0x8000);
    expect(r.cpu.run({ maxInstructions: 50 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('dx')).toBe(0x77n);
    expect(r.cpu.getReg('ip')).toBe(BigInt(a.sym.back! + 1));
    expect(r.cpu.getReg('sp')).toBe(0x7000n);
  });
});

describe('interrupt hooks', () => {
  test('INT n, INT3 and INTO (OF=1) are reported as software events; INTO with OF=0 is not', () => {
    const r = rig();
    const a = assemble(
      `	.code16
	.globl _start
_start:
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7000, %sp
	movw	$handler, 0x80 * 4
	movw	$handler, 3 * 4
	movw	$handler, 4 * 4
	movw	$0, 0x80 * 4 + 2
	movw	$0, 3 * 4 + 2
	movw	$0, 4 * 4 + 2
	int	$0x80
	int3
	into
	movb	$0x7f, %al
	addb	$1, %al
	into
	hlt
handler:
	incw	%dx
	iret`,
      0x8000,
    );
    loadReal(r, a, 0x8000);
    const seen: { vector: number; errorCode: number; kind: string }[] = [];
    const hook = r.cpu.addInterruptHook((e) => seen.push(e));
    r.cpu.setReg('dx', 0n);
    expect(r.cpu.run({ maxInstructions: 50 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('dx')).toBe(3n);
    expect(seen).toEqual([
      { vector: 0x80, errorCode: -1, kind: 'software' },
      { vector: 3, errorCode: -1, kind: 'software' },
      { vector: 4, errorCode: -1, kind: 'software' },
    ]);
    r.cpu.removeHook(hook);
  });
});

describe('protected mode', () => {
  test('#GP pushes an error code through a 32-bit interrupt gate', () => {
    const r = rig();
    const a = run32(
      r,
      ` lgdtl gdtr
 lidtl idtr
 movl $0x7000, %esp
 movw $0x18, %ax
at:
 movw %ax, %ds
 hlt
gp_handler:
 popl %ebx
 hlt
${tables([[13, 'gp_handler']])}`,
    );
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    // Selector 0x18 is past the GDT limit: #GP(0x18).
    expect(r.cpu.getReg('ebx')).toBe(0x18n);
    expect(r.memory.read32(0x7000 - 12)).toBe(a.sym.at!);
    expect(r.cpu.getReg('eip')).toBe(BigInt(a.sym.gp_handler! + 2));
  });

  // 0x18: a data segment with P=0. 0x20: an expand-up, writable, 32-bit data segment, limit 0x6fff (G=0).
  const NOT_PRESENT = '0x00cf12000000ffff';
  const SMALL_STACK = '0x0040920000006fff';

  test.each([
    ['DS', '#NP', 11],
    ['SS', '#SS', 12],
  ] as const)(
    'loading a not-present %s is %s with the selector as error code, through the IDT',
    (seg, _fault, vector) => {
      const r = rig();
      const a = run32(
        r,
        ` lgdtl gdtr
 lidtl idtr
 movl $0x7000, %esp
 movw $0x18, %ax
at:
 movw %ax, %${seg.toLowerCase()}
 hlt
handler:
 popl %ebx
 hlt
${tables([[vector, 'handler']], [NOT_PRESENT])}`,
      );
      expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
      expect(r.cpu.getReg('ebx')).toBe(0x18n);
      expect(r.memory.read32(0x7000 - 12)).toBe(a.sym.at!);
      expect(r.cpu.getReg('eip')).toBe(BigInt(a.sym.handler! + 2));
      expect(r.cpu.getReg(seg.toLowerCase())).toBe(0x10n);
    },
  );

  test('an SS-relative access past an expand-up SS limit is #SS(0), through the IDT', () => {
    const r = rig();
    const a = run32(
      r,
      ` lgdtl gdtr
 lidtl idtr
 movw $0x20, %ax
 movw %ax, %ss
 movl $0x6000, %esp
 movl $0x6ffd, %ebp
at:
 movl (%ebp), %ecx
 hlt
ss_handler:
 popl %ebx
 hlt
${tables([[12, 'ss_handler']], [NOT_PRESENT, SMALL_STACK])}`,
    );
    r.cpu.setReg('ebx', 0x5555n);
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    // Bytes 0x6ffd..0x7000: the last one is past the limit.
    expect(r.cpu.getReg('ebx')).toBe(0n);
    expect(r.memory.read32(0x6000 - 12)).toBe(a.sym.at!);
    expect(r.cpu.getReg('eip')).toBe(BigInt(a.sym.ss_handler! + 2));
  });

  test('a PUSH past an expand-up SS limit is #SS(0); delivering it on the same stack fails too: #DF, then shutdown', () => {
    const r = rig();
    run32(
      r,
      ` lgdtl gdtr
 lidtl idtr
 movw $0x20, %ax
 movw %ax, %ss
 movl $0x7002, %esp
 pushl %eax
 hlt
handler:
 hlt
${tables(
  [
    [8, 'handler'],
    [12, 'handler'],
  ],
  [NOT_PRESENT, SMALL_STACK],
)}`,
    );
    const seen: { vector: number; errorCode: number; kind: string }[] = [];
    r.cpu.addInterruptHook((e) => seen.push(e));
    expect(r.cpu.run({ maxInstructions: 20 }).kind).toBe('shutdown');
    expect(seen).toEqual([
      { vector: 12, errorCode: 0, kind: 'exception' },
      { vector: 8, errorCode: 0, kind: 'exception' },
    ]);
  });

  test('a fault with no usable IDT escalates to #DF and then to a triple fault: shutdown', () => {
    const r = rig();
    run32(r, ' lidtl idtr\n ud2\nidtr:\n .word 0\n .long 0');
    const stop = r.cpu.run({ maxInstructions: 20 });
    expect(stop.kind).toBe('shutdown');
    // A dead CPU stays dead until INIT.
    expect(r.cpu.run({ maxInstructions: 20 }).kind).toBe('shutdown');
    r.cpu.reset();
    expect(r.cpu.mode()).toBe('real');
  });

  test('an injected interrupt waits for IF=1 and the STI shadow', () => {
    const r = rig();
    const a = run32(
      r,
      ` lgdtl gdtr
 lidtl idtr
 movl $0x7000, %esp
 cli
pending:
 nop
 sti
after_sti:
 nop
after_nop:
 hlt
irq_handler:
 movl $0x4242, %esi
 hlt
${tables([[0x40, 'irq_handler']])}`,
    );
    r.cpu.run({ maxInstructions: 20, until: { ip: a.sym.pending! } });
    r.cpu.injectInterrupt(0x40);
    const seen: number[] = [];
    r.cpu.addInterruptHook((e) => seen.push(e.vector));
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('esi')).toBe(0x4242n);
    expect(seen).toEqual([0x40]);
    // Delivered after the instruction that follows STI: the pushed EIP is the one after the NOP.
    expect(r.memory.read32(0x7000 - 12)).toBe(a.sym.after_nop!);
  });

  test('an interrupt wakes HLT (IF=1); IRET returns after the HLT', () => {
    const r = rig();
    const a = run32(
      r,
      ` lgdtl gdtr
 lidtl idtr
 movl $0x7000, %esp
 sti
 hlt
woken:
 movl $1, %edi
 hlt
irq_handler:
 incl %esi
 iretl
${tables([[0x41, 'irq_handler']])}`,
    );
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('eip')).toBe(BigInt(a.sym.woken!));
    // Halted with nothing pending: run() returns at once.
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    r.cpu.injectInterrupt(0x41);
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('esi')).toBe(1n);
    expect(r.cpu.getReg('edi')).toBe(1n);
  });

  test('an NMI is delivered with IF=0 and blocks further NMIs until IRET', () => {
    const r = rig();
    run32(
      r,
      ` lgdtl gdtr
 lidtl idtr
 movl $0x7000, %esp
 cli
spin:
 incl %edi
 cmpl $100, %edi
 jne spin
 hlt
nmi_handler:
 incl %esi
 iretl
${tables([[2, 'nmi_handler']])}`,
    );
    r.cpu.run({ maxInstructions: 6 });
    r.cpu.injectNmi();
    r.cpu.run({ maxInstructions: 3 });
    r.cpu.injectNmi();
    expect(r.cpu.run({ maxInstructions: 1000 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('esi')).toBe(2n);
    expect(r.cpu.getReg('edi')).toBe(100n);
  });
});

describe('long mode', () => {
  /** Identity map of the first 2 MiB, a GDT (0x08 compat code, 0x10 64-bit code, 0x18 data), long mode. */
  function longRig(source: string) {
    const r = rig();
    r.memory.write64(0x10000, 0x11003n);
    r.memory.write64(0x11000, 0x12003n);
    r.memory.write64(0x12000, 0x83n);
    r.memory.write64(0x3008, 0x00cf9a000000ffffn);
    r.memory.write64(0x3010, 0x00af9a000000ffffn);
    r.memory.write64(0x3018, 0x00cf92000000ffffn);
    const a = assemble(source, 0x1000);
    r.memory.write(0x1000, a.bytes);
    const c = r.cpu;
    c.gdtr = { base: 0x3000n, limit: 0x1f };
    c.setReg('cr3', 0x10000n);
    c.setReg('cr4', 0x20n);
    c.setReg('efer', 0x500n);
    c.setReg('cr0', 0x80000011n);
    c.setSegment('cs', { selector: 0x10, base: 0n, limit: 0xffffffff, attributes: 0xa9b });
    c.setSegment('ss', { selector: 0x18, base: 0n, limit: 0xffffffff, attributes: 0xc93 });
    c.setReg('rip', 0x1000n);
    c.setReg('rsp', 0x8000n);
    return { r, a };
  }

  const IDT = `
	.balign 16
idt:
	.org idt + 0x80 * 16
	.word int80, 0x10, 0xee00, 0
	.long 0, 0
idt_end:
idtr:
	.word idt_end - idt - 1
	.quad idt`;

  test('INT from 64-bit code and IRETQ back', () => {
    const { r } = longRig(`	.code64
	.globl _start
_start:
	lidt	idtr(%rip)
	int	$0x80
	movq	$2, %rbx
	hlt
int80:
	movq	$1, %rax
	iretq
${IDT}`);
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('rax')).toBe(1n);
    expect(r.cpu.getReg('rbx')).toBe(2n);
    expect(r.cpu.getReg('rsp')).toBe(0x8000n);
    expect(r.cpu.mode()).toBe('long64');
  });

  test('an interrupt in compatibility mode runs a 64-bit handler; IRETQ returns to 32-bit code', () => {
    const { r, a } = longRig(`	.code64
	.globl _start
_start:
	lidt	idtr(%rip)
	ljmpl	*to_compat(%rip)
	.code32
compat:
	movl	$0x7000, %esp
	int	$0x80
back:
	movl	$3, %ecx
	hlt
	.code64
int80:
	movq	%rsp, %rsi
	iretq
	.balign 8
to_compat:
	.long	compat
	.word	0x08
${IDT}`);
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.mode()).toBe('compat32');
    expect(r.cpu.getReg('ecx')).toBe(3n);
    // The 64-bit frame sits on the 16-byte-aligned stack: RIP, CS, RFLAGS, RSP, SS.
    expect(r.cpu.getReg('rsi')).toBe(0x7000n - 40n);
    expect(r.memory.read64(0x7000 - 40)).toBe(BigInt(a.sym.back!));
    expect(r.memory.read64(0x7000 - 32)).toBe(0x08n);
    expect(r.cpu.getReg('esp')).toBe(0x7000n);
  });
});
