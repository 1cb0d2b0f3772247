import { describe, expect, test } from 'bun:test';
import { Cpu, DecodeCache, GuestMemory, type Platform } from '../../core/index.ts';
import { assemble, loadReal, rig, run32 } from './helpers/asm.ts';

describe('reset (INIT) state', () => {
  test('real mode at F000:FFF0 with CS.base FFFF0000, CR0 60000010, EDX the family signature', () => {
    const { cpu } = rig();
    expect(cpu.mode()).toBe('real');
    expect(cpu.getSegment('cs')).toEqual({
      selector: 0xf000,
      base: 0xffff0000n,
      limit: 0xffff,
      attributes: 0x9b,
    });
    expect(cpu.getReg('ip')).toBe(0xfff0n);
    expect(cpu.getReg('cr0')).toBe(0x60000010n);
    expect(cpu.getReg('edx')).toBe(0x00a00f11n);
    expect(cpu.getReg('eflags')).toBe(2n);
    expect(cpu.gdtr).toEqual({ base: 0n, limit: 0xffff });
    expect(cpu.instructionsRetired).toBe(0);
  });

  test('the first fetch comes from the reset vector 16 bytes below 4 GiB', () => {
    const { cpu } = rig();
    expect(cpu.translate(0xfffffff0n, 'exec')).toEqual({ gpa: 0xfffffff0 });
    // Nothing is mapped there in a 16 MiB machine: the bus floats (0xFF bytes decode as an invalid
    // FF /7), so the CPU faults through an IVT of zeros and ends in a loop; it must not throw.
    expect(cpu.run({ maxInstructions: 5 }).kind).toBe('limit');
  });
});

describe('registers by name', () => {
  test('a 32-bit write zeroes bits 63:32; 16- and 8-bit writes keep the rest', () => {
    const { cpu } = rig();
    cpu.setReg('rax', 0x1122334455667788n);
    cpu.setReg('ax', 0xaaaan);
    expect(cpu.getReg('rax')).toBe(0x112233445566aaaan);
    cpu.setReg('ah', 0x12n);
    cpu.setReg('al', 0x34n);
    expect(cpu.getReg('rax')).toBe(0x1122334455661234n);
    cpu.setReg('eax', 1n);
    expect(cpu.getReg('rax')).toBe(1n);
    cpu.setReg('r9', -1n);
    expect(cpu.getReg('r9d')).toBe(0xffffffffn);
    expect(cpu.getReg('r9b')).toBe(0xffn);
  });

  test('an unknown register name is an Error that lists the names', () => {
    const { cpu } = rig();
    expect(() => cpu.getReg('xyz')).toThrow(/unknown register 'xyz'; use one of: rax/);
  });

  test('AH..BH without REX, SPL..DIL with REX (64-bit code)', () => {
    const r = rig();
    // Identity-map the first 2 MiB with one large page and enter 64-bit mode through the API.
    r.memory.write64(0x10000, 0x11003n);
    r.memory.write64(0x11000, 0x12003n);
    r.memory.write64(0x12000, 0x83n);
    const a = assemble(
      `	.code64
	.globl _start
_start:
	movq	$-1, %rsp
	movb	$0x11, %ah
	movb	$0x22, %spl
	movl	$0x33, %ebx
	movw	$0x44, %cx
	hlt`,
      0x1000,
    );
    r.memory.write(0x1000, a.bytes);
    r.cpu.setReg('rcx', 0x5555_6666_7777_8888n);
    r.cpu.setReg('rbx', -1n);
    r.cpu.setReg('cr3', 0x10000n);
    r.cpu.setReg('cr4', 0x20n);
    r.cpu.setReg('efer', 0x500n);
    r.cpu.setReg('cr0', 0x80000011n);
    r.cpu.setSegment('cs', { selector: 0x10, base: 0n, limit: 0xffffffff, attributes: 0xa9b });
    r.cpu.setReg('rip', 0x1000n);
    expect(r.cpu.mode()).toBe('long64');
    expect(r.cpu.run({ maxInstructions: 10 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('rax') & 0xff00n).toBe(0x1100n);
    expect(r.cpu.getReg('rsp')).toBe(0xffff_ffff_ffff_ff22n);
    expect(r.cpu.getReg('rbx')).toBe(0x33n);
    expect(r.cpu.getReg('rcx')).toBe(0x5555_6666_7777_0044n);
  });
});

describe('run, step, hooks', () => {
  const LOOP = ` xorl %ecx, %ecx
top:
 incl %ecx
 movl %ecx, 0x5000
 cmpl $10, %ecx
 jne top
done:
 hlt`;

  test('maxInstructions stops exactly, and run() continues where it stopped', () => {
    const r = rig();
    run32(r, LOOP);
    expect(r.cpu.run({ maxInstructions: 7 })).toEqual({ kind: 'limit' });
    expect(r.cpu.instructionsRetired).toBe(7);
    expect(r.cpu.getReg('ecx')).toBe(2n);
    expect(r.cpu.run({ maxInstructions: 1000 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.instructionsRetired).toBe(1 + 10 * 4 + 1);
  });

  test('step() executes one instruction', () => {
    const r = rig();
    const a = run32(r, LOOP);
    r.cpu.step();
    r.cpu.step();
    expect(r.cpu.getReg('eip')).toBe(BigInt(a.sym.top! + 1));
    expect(r.cpu.getReg('ecx')).toBe(1n);
  });

  test('a code hook that says stop breaks before the instruction; the next run goes on', () => {
    const r = rig();
    const a = run32(r, LOOP);
    let calls = 0;
    const h = r.cpu.addCodeHook(a.sym.done!, () => {
      calls++;
      return 'stop';
    });
    expect(r.cpu.run({ maxInstructions: 1000 })).toEqual({
      kind: 'breakpoint',
      cs: 8,
      rip: BigInt(a.sym.done!),
    });
    expect(r.cpu.run({ maxInstructions: 1000 })).toEqual({ kind: 'hlt' });
    expect(calls).toBe(1);
    r.cpu.removeHook(h);
    expect(() => r.cpu.removeHook(h)).toThrow(/not installed/);
  });

  test('a memory hook sees every access with linear and guest-physical address', () => {
    const r = rig();
    run32(r, LOOP);
    const writes: number[] = [];
    r.cpu.addMemoryHook((m) => {
      if (m.write) writes.push(m.value);
    });
    r.cpu.run({ maxInstructions: 1000 });
    expect(writes).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test('requestStop from a device ends the run with its reason', () => {
    const memory = new GuestMemory({ size: 0x100000 });
    let cpu: Cpu | undefined;
    const platform: Platform = {
      cpuid: () => ({ eax: 0, ebx: 0, ecx: 0, edx: 0 }),
      rdmsr: () => undefined,
      wrmsr: () => false,
      ioIn: () => 0,
      ioOut: (port, _size, value) => cpu?.requestStop(`port 0x${port.toString(16)} got ${value}`),
      mmioRead: () => 0n,
      mmioWrite: () => {},
    };
    cpu = new Cpu({ memory, platform, sevEs: false });
    const a = assemble(
      '\t.code16\n\t.globl _start\n_start:\n\tmovb $3, %al\n\toutb %al, $0xf4\n\tjmp _start\n',
      0x7c00,
    );
    memory.write(0x7c00, a.bytes);
    cpu.setReg('cs', 0n);
    cpu.setReg('ip', 0x7c00n);
    expect(cpu.run({ maxInstructions: 1000 })).toEqual({ kind: 'stop-requested', reason: 'port 0xf4 got 3' });
    expect(cpu.instructionsRetired).toBe(2);
  });

  test('misuse is an Error saying what to do', () => {
    const r = rig();
    expect(() => r.cpu.run({} as never)).toThrow(/maxInstructions/);
    expect(() => r.cpu.injectInterrupt(3)).toThrow(/16\.\.255/);
    expect(() => r.cpu.translate(0n, 'fetch' as never)).toThrow(/'read', 'write' or 'exec'/);
  });
});

describe('snapshot and restore', () => {
  test('restore brings back registers, segments and the retired count', () => {
    const r = rig();
    const a = assemble('\t.code16\n\t.globl _start\n_start:\n\tincw %ax\n\tjmp _start\n', 0x8000);
    loadReal(r, a, 0x8000);
    r.cpu.run({ maxInstructions: 11 });
    const s = r.cpu.snapshot();
    r.cpu.run({ maxInstructions: 100 });
    r.cpu.restore(s);
    expect(r.cpu.getReg('ax')).toBe(6n);
    expect(r.cpu.instructionsRetired).toBe(11);
    r.cpu.run({ maxInstructions: 2 });
    expect(r.cpu.getReg('ax')).toBe(7n);
  });
});

describe('snapshot and restore at a breakpoint', () => {
  // incw %ax at 0x8000, incw %ax at 0x8001 (the breakpoint), jmp 0x8000.
  const program = '\t.code16\n\t.globl _start\n_start:\n\tincw %ax\n\tincw %ax\n\tjmp _start\n';

  test('a snapshot taken before a breakpoint stops at it again after a restore', () => {
    const r = rig();
    loadReal(r, assemble(program, 0x8000), 0x8000);
    const s = r.cpu.snapshot();
    r.cpu.addCodeHook(0x8001, () => 'stop');
    expect(r.cpu.run({ maxInstructions: 100 }).kind).toBe('breakpoint');
    expect(r.cpu.getReg('ax')).toBe(1n);
    r.cpu.restore(s);
    expect(r.cpu.run({ maxInstructions: 100 }).kind).toBe('breakpoint');
    expect(r.cpu.getReg('ax')).toBe(1n);
  });

  test('a snapshot taken while stopped at a breakpoint continues past it after a restore', () => {
    const r = rig();
    loadReal(r, assemble(program, 0x8000), 0x8000);
    r.cpu.addCodeHook(0x8001, () => 'stop');
    r.cpu.run({ maxInstructions: 100 });
    const s = r.cpu.snapshot();
    r.cpu.run({ maxInstructions: 100 });
    expect(r.cpu.getReg('ax')).toBe(3n);
    r.cpu.restore(s);
    r.cpu.run({ maxInstructions: 100 });
    expect(r.cpu.getReg('ax')).toBe(3n);
  });
});

describe('the shared decode cache', () => {
  test('two vCPUs share decoded blocks; a store into cached code drops them', () => {
    const memory = new GuestMemory({ size: 0x100000 });
    const cache = new DecodeCache();
    const none: Platform = {
      cpuid: () => ({ eax: 0, ebx: 0, ecx: 0, edx: 0 }),
      rdmsr: () => undefined,
      wrmsr: () => false,
      ioIn: () => 0,
      ioOut: () => {},
      mmioRead: () => 0n,
      mmioWrite: () => {},
    };
    // movw $0x1111, %ax; movb $0x22, patch+1; patch: movw $0x3333, %bx; hlt
    const a = assemble(
      '\t.code16\n\t.globl _start\n_start:\n\tmovw $0x1111, %ax\n\tmovb $0x22, patch+1\npatch:\n\tmovw $0x3333, %bx\n\thlt\n',
      0x8000,
    );
    memory.write(0x8000, a.bytes);
    const cpus = [0, 1].map(() => new Cpu({ memory, platform: none, sevEs: false, decodeCache: cache }));
    for (const c of cpus) {
      c.setReg('cs', 0n);
      c.setReg('ip', 0x8000n);
    }
    expect(cpus[0]!.run({ maxInstructions: 10 })).toEqual({ kind: 'hlt' });
    expect(cpus[0]!.getReg('bx')).toBe(0x3322n);
    const misses = cache.size;
    expect(cpus[1]!.run({ maxInstructions: 10 })).toEqual({ kind: 'hlt' });
    expect(cpus[1]!.getReg('bx')).toBe(0x3322n);
    expect(cache.invalidations).toBeGreaterThan(0);
    expect(misses).toBeGreaterThan(0);
  });
});

describe('location()', () => {
  test('segment:offset in the width of the code', () => {
    const { cpu } = rig();
    expect(cpu.location()).toBe('0xF000:0xFFF0');
    cpu.setReg('cr0', 0x11n);
    cpu.setSegment('cs', { selector: 0x08, base: 0n, limit: 0xffffffff, attributes: 0xc9b });
    cpu.setReg('eip', 0x1000n);
    expect(cpu.location()).toBe('0x0008:0x00001000');
  });
});
