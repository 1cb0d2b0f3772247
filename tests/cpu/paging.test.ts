import { describe, expect, test } from 'bun:test';
import { Cpu, GuestMemory, type Platform } from '../../core/index.ts';
import { assemble, type Rig, rig } from './helpers/asm.ts';

const P = 1n;
const RW = 2n;
const PS = 0x80n;
const A = 0x20n;
const D = 0x40n;
const NX = 1n << 63n;

/** 4-level tables at 0x10000..: PML4 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000. */
function tables(r: Rig, leafFlags = P | RW): void {
  const m = r.memory;
  m.write64(0x10000, 0x11000n | P | RW);
  m.write64(0x11000, 0x12000n | P | RW);
  // 0-2 MiB identity (code, stack, tables), 2 MiB page at 0x200000 -> 0x600000.
  m.write64(0x12000, 0x000000n | P | RW | PS);
  m.write64(0x12008, 0x600000n | P | RW | PS);
  // 4 KiB pages at 0x400000: PD[2] -> PT; PT[0] -> 0x123000, PT[1] not present, PT[2] -> flags.
  m.write64(0x12010, 0x13000n | P | RW);
  m.write64(0x13000, 0x123000n | P | RW);
  m.write64(0x13010, 0x124000n | leafFlags);
  // 1 GiB page: PDPT[1] (linear 1 GiB) -> 3 GiB.
  m.write64(0x11008, 0xc0000000n | P | RW | PS);
}

function longMode(r: Rig, entry = 0x1000): void {
  const c = r.cpu;
  c.setReg('cr3', 0x10000n);
  c.setReg('cr4', 0x20n);
  c.setReg('efer', 0xd00n); // LME | LMA | NXE
  c.setReg('cr0', 0x80010011n); // PG | WP | ET | PE
  c.setSegment('cs', { selector: 0x10, base: 0n, limit: 0xffffffff, attributes: 0xa9b });
  c.setSegment('ss', { selector: 0x18, base: 0n, limit: 0xffffffff, attributes: 0xc93 });
  c.setReg('rip', BigInt(entry));
  c.setReg('rsp', 0x8000n);
}

describe('translate()', () => {
  const r = rig({ size: 0x800000 });
  tables(r);
  longMode(r);

  test.each([
    ['a 4 KiB page', 0x400abcn, 0x123abc],
    ['a 2 MiB page', 0x212345n, 0x612345],
    ['a 1 GiB page', 0x4567_89abn, 0xc567_89ab],
  ])('%s', (_name, lin, gpa) => {
    expect(r.cpu.translate(lin, 'read')).toEqual({ gpa });
  });

  test('a not-present page is #PF with P clear; a write adds W', () => {
    expect(r.cpu.translate(0x401000n, 'read')).toMatchObject({ fault: { vector: 14, errorCode: 0 } });
    expect(r.cpu.translate(0x401000n, 'write')).toMatchObject({ fault: { vector: 14, errorCode: 2 } });
  });

  test('a non-canonical or unmapped high address faults', () => {
    expect(r.cpu.translate(0xffff_8000_0000_0000n, 'read')).toMatchObject({ fault: { vector: 14 } });
  });
});

describe('page protections and A/D bits', () => {
  test('CR0.WP: a supervisor write to a read-only page is #PF(P|W)', () => {
    const r = rig({ size: 0x800000 });
    tables(r, P);
    longMode(r);
    expect(r.cpu.translate(0x402000n, 'read')).toEqual({ gpa: 0x124000 });
    expect(r.cpu.translate(0x402000n, 'write')).toMatchObject({ fault: { vector: 14, errorCode: 3 } });
  });

  test('EFER.NXE: a fetch from an NX page is #PF(P|I)', () => {
    const r = rig({ size: 0x800000 });
    tables(r, P | RW | NX);
    longMode(r);
    expect(r.cpu.translate(0x402000n, 'exec')).toMatchObject({ fault: { vector: 14, errorCode: 0x11 } });
  });

  test('a read sets A on every level; a write sets D on the leaf', () => {
    const r = rig({ size: 0x800000 });
    tables(r);
    longMode(r);
    r.cpu.translate(0x400000n, 'read');
    expect(r.memory.read64(0x13000) & (A | D)).toBe(A);
    expect(r.memory.read64(0x10000) & A).toBe(A);
    r.cpu.translate(0x400000n, 'write');
    expect(r.memory.read64(0x13000) & (A | D)).toBe(A | D);
  });

  test('the SEV C-bit in a page-table entry is not part of the address', () => {
    const memory = new GuestMemory({ size: 0x800000 });
    const none: Platform = {
      cpuid: () => ({ eax: 0, ebx: 0, ecx: 0, edx: 0 }),
      rdmsr: () => undefined,
      wrmsr: () => false,
      ioIn: () => 0,
      ioOut: () => {},
      mmioRead: () => 0n,
      mmioWrite: () => {},
    };
    const r: Rig = {
      cpu: new Cpu({ memory, platform: none, sevEs: true, cBitPosition: 47 }),
      memory,
      outs: [],
    };
    const C = 1n << 47n;
    tables(r);
    memory.write64(0x13000, 0x123000n | P | RW | C);
    memory.write64(0x12010, 0x13000n | P | RW | C);
    longMode(r);
    expect(r.cpu.translate(0x400010n, 'read')).toEqual({ gpa: 0x123010 });
  });
});

describe('#PF in long mode', () => {
  test('delivered through a 64-bit IDT gate with CR2, the error code and an aligned frame', () => {
    const r = rig({ size: 0x800000 });
    tables(r);
    const a = assemble(
      `	.code64
	.globl _start
_start:
	lidt	idtr(%rip)
	movq	$0x8008, %rsp
	movabsq	$0x1122334455667788, %rax
at:
	movq	%rax, 0x401008
	hlt
pf_handler:
	popq	%rcx
	movq	%cr2, %rbx
	hlt
	.balign 16
idt:
	.org idt + 14 * 16
	.word pf_handler, 0x10, 0x8e00, 0
	.long 0, 0
idt_end:
idtr:
	.word idt_end - idt - 1
	.quad idt`,
      0x1000,
    );
    r.memory.write(0x1000, a.bytes);
    // A GDT for the gate's CS: 0x10 = 64-bit code.
    r.memory.write64(0x3010, 0x00af9a000000ffffn);
    longMode(r);
    r.cpu.gdtr = { base: 0x3000n, limit: 0x1f };
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('rbx')).toBe(0x401008n);
    expect(r.cpu.getReg('rcx')).toBe(2n); // not present, write
    expect(r.cpu.getReg('cr2')).toBe(0x401008n);
    // RSP 0x8008 aligned down to 0x8000, then SS, RSP, RFLAGS, CS, RIP (the error code was popped).
    expect(r.cpu.getReg('rsp')).toBe(0x8000n - 40n);
    expect(r.memory.read64(0x8000 - 40)).toBe(BigInt(a.sym.at!));
    expect(r.memory.read64(0x8000 - 16)).toBe(0x8008n);
    expect(r.memory.read64(0x8000 - 32)).toBe(0x10n);
  });
});
