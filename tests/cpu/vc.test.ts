import { describe, expect, test } from 'bun:test';
import type { MmioDevice } from '../../core/index.ts';
import { rig, run32 } from './helpers/asm.ts';

/** Instructions that SEV-ES hardware turns into #VC, with the SVM exit code (GHCB spec 4.1). */
const INTERCEPTS: [string, string, number][] = [
  ['CPUID', 'cpuid', 0x72],
  ['IN AL, imm8', 'inb $0x70, %al', 0x7b],
  ['OUT DX, AX', 'outw %ax, %dx', 0x7b],
  ['INSB', 'insb', 0x7b],
  ['REP OUTSD', 'rep outsl', 0x7b],
  ['RDMSR of an MSR the hypervisor owns (APIC_BASE)', 'rdmsr', 0x7c],
  ['WRMSR of an MSR the hypervisor owns (APIC_BASE)', 'wrmsr', 0x7c],
  ['RDTSC', 'rdtsc', 0x6e],
  ['RDTSCP', 'rdtscp', 0x87],
  ['RDPMC', 'rdpmc', 0x6f],
  ['VMMCALL', 'vmmcall', 0x81],
  ['WBINVD', 'wbinvd', 0x89],
  ['INVD', 'invd', 0x76],
  ['MONITOR', 'monitor', 0x8a],
  ['MWAIT', 'mwait', 0x8b],
  ['MOV from DR7', 'movl %dr7, %eax', 0x27],
  ['MOV to DR7', 'movl %eax, %dr7', 0x37],
];

describe('SEV-ES #VC (vcDelivery: model)', () => {
  for (const [name, insn, exit] of INTERCEPTS) {
    test(`${name} stops with exit code 0x${exit.toString(16)}, RIP at the instruction, nothing changed`, () => {
      const r = rig({ sevEs: true });
      const a = run32(
        r,
        ` movl $0x11223344, %eax\n movl $0x4000, %edi\n movl $0x5000, %esi\n movl $0x1b, %ecx\nat:\n ${insn}\n hlt`,
      );
      const at = a.sym.at!;
      const stop = r.cpu.run({ maxInstructions: 100 });
      expect(stop).toMatchObject({ kind: 'vc', exitCode: exit, cs: 0x08, rip: BigInt(at) });
      expect(r.cpu.getReg('eip')).toBe(BigInt(at));
      expect(r.cpu.getReg('eax')).toBe(0x11223344n);
      expect(r.cpu.getReg('edi')).toBe(0x4000n);
      expect(r.cpu.getReg('esi')).toBe(0x5000n);
      expect(r.outs).toEqual([]);
    });
  }

  test('the kernel model completes a CPUID and resumes after it', () => {
    const r = rig({ sevEs: true });
    const a = run32(r, ' xorl %eax, %eax\nat:\n cpuid\n movl %ebx, %esi\n hlt');
    expect(r.cpu.run({ maxInstructions: 10 })).toMatchObject({ kind: 'vc', exitCode: 0x72 });
    r.cpu.setReg('ebx', 0x68747541n);
    r.cpu.setReg('eip', BigInt(a.sym.at! + 2));
    expect(r.cpu.run({ maxInstructions: 10 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('esi')).toBe(0x68747541n);
  });

  test('EFER, FS/GS base and the GHCB MSR are read and written without an exit', () => {
    const r = rig({ sevEs: true });
    run32(
      r,
      ` movl $0xc0010130, %ecx
 movl $0x2000, %eax
 movl $0x1, %edx
 wrmsr
 movl $0xc0000080, %ecx
 rdmsr
 movl %eax, %esi
 movl $0xc0000100, %ecx
 movl $0xabc000, %eax
 xorl %edx, %edx
 wrmsr
 hlt`,
    );
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.ghcbMsr).toBe(0x1_0000_2000n);
    expect(r.cpu.getReg('esi')).toBe(0n);
    expect(r.cpu.getReg('fs_base')).toBe(0xabc000n);
  });

  test('a data access to an MMIO page is #VC(NPF) with the GPA, and the device sees nothing', () => {
    const r = rig({ sevEs: true });
    const seen: string[] = [];
    const dev: MmioDevice = {
      name: 'probe',
      read: () => {
        seen.push('read');
        return 0n;
      },
      write: () => {
        seen.push('write');
      },
    };
    r.memory.addMmio(0xfeb0_0000, 0x1000, dev);
    const a = run32(r, ' movl $7, %eax\nat:\n movl %eax, 0xfeb00010\n hlt');
    expect(r.cpu.run({ maxInstructions: 10 })).toMatchObject({
      kind: 'vc',
      exitCode: 0x400,
      rip: BigInt(a.sym.at!),
      gpa: 0xfeb0_0010,
    });
    expect(seen).toEqual([]);
  });

  test('VMGEXIT stops with RIP already past it (trap-like)', () => {
    const r = rig({ sevEs: true });
    const a = run32(r, 'at:\n rep; vmmcall\nafter:\n hlt');
    expect(r.cpu.run({ maxInstructions: 10 })).toEqual({ kind: 'vmgexit' });
    expect(r.cpu.getReg('eip')).toBe(BigInt(a.sym.after!));
  });
});

describe('SEV-ES #VC (vcDelivery: idt)', () => {
  test('vector 29 goes through the guest IDT with the exit code as error code', () => {
    const r = rig({ sevEs: true, vcDelivery: 'idt' });
    const a = run32(
      r,
      ` lgdtl gdtr
 lidtl idtr
 movl $0x7000, %esp
at:
 cpuid
 hlt
vc_handler:
 popl %ebx
 hlt
 .balign 8
idt:
 .fill 29, 8, 0
 .word vc_handler, 0x08, 0x8e00, 0
idt_end:
idtr:
 .word idt_end - idt - 1
 .long idt
 .balign 8
gdt:
 .quad 0, 0x00cf9a000000ffff, 0x00cf92000000ffff
gdt_end:
gdtr:
 .word gdt_end - gdt - 1
 .long gdt`,
    );
    expect(r.cpu.run({ maxInstructions: 10 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('eip')).toBe(BigInt(a.sym.vc_handler! + 2));
    expect(r.cpu.getReg('ebx')).toBe(0x72n);
    // Frame left on the stack: EIP of the CPUID (a fault: it restarts), CS, EFLAGS.
    expect(r.memory.read32(0x7000 - 12)).toBe(a.sym.at!);
    expect(r.memory.read32(0x7000 - 8)).toBe(0x08);
    expect(r.memory.read32(0x7000 - 4)).toBe(0x2);
  });
});

describe('without SEV-ES the same instructions reach the Platform', () => {
  test('CPUID, OUT and RDMSR are answered by the Platform', () => {
    const r = rig();
    run32(
      r,
      ` xorl %eax, %eax
 cpuid
 movw $0x3f8, %dx
 movb $0x41, %al
 outb %al, %dx
 movl $0x1b, %ecx
 rdmsr
 hlt`,
    );
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('ebx')).toBe(0x6c766573n);
    expect(r.outs).toEqual([{ port: 0x3f8, size: 1, value: 0x41 }]);
    expect(r.cpu.getReg('eax')).toBe(0xfee00900n);
  });

  test('VMGEXIT outside an SEV-ES guest is #UD', () => {
    const r = rig();
    run32(r, ' rep; vmmcall\n hlt');
    // No IDT: #UD -> #GP on the IDT limit -> #DF -> triple fault.
    expect(r.cpu.run({ maxInstructions: 10 })).toMatchObject({ kind: 'shutdown' });
  });
});

describe('what the guest kernel model uses around a #VC', () => {
  test('fetchBytes gives the instruction bytes at CS:RIP for vc_decode_insn', () => {
    const r = rig({ sevEs: true });
    run32(r, 'at:\n movl %eax, 0xfeb00010\n hlt');
    expect(Array.from(r.cpu.fetchBytes(6))).toEqual([0xa3, 0x10, 0x00, 0xb0, 0xfe, 0xf4]);
  });

  test('readVirtual/writeVirtual go through segmentation and paging; a fault comes back as a value', () => {
    const r = rig({ sevEs: true });
    run32(r, ' hlt');
    expect(r.cpu.writeVirtual(3, 0x5000n, Uint8Array.of(1, 2, 3))).toBeNull();
    expect(Array.from(r.cpu.readVirtual(3, 0x5000n, 3) as Uint8Array)).toEqual([1, 2, 3]);
    // Past a 64 KiB data segment limit: #GP(0).
    r.cpu.setSegment('ds', { selector: 0x10, base: 0n, limit: 0xffff, attributes: 0x93 });
    expect(r.cpu.readVirtual(3, 0xffffn, 2)).toEqual({ vector: 13, errorCode: 0 });
  });

  test('raiseException (ES_EXCEPTION) delivers the fault at the #VC instruction through the IDT', () => {
    const r = rig({ sevEs: true });
    const a = run32(
      r,
      ` lidtl idtr
 movl $0x7000, %esp
at:
 cpuid
 hlt
gp_handler:
 popl %ebx
 hlt
 .balign 8
idt:
 .fill 13, 8, 0
 .word gp_handler, 0x08, 0x8e00, 0
idt_end:
idtr:
 .word idt_end - idt - 1
 .long idt`,
    );
    expect(r.cpu.run({ maxInstructions: 10 })).toMatchObject({ kind: 'vc', exitCode: 0x72 });
    r.cpu.raiseException(13, 0);
    expect(r.cpu.run({ maxInstructions: 10 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('ebx')).toBe(0n);
    expect(r.memory.read32(0x7000 - 12)).toBe(a.sym.at!);
  });

  test('without SEV-ES an MMIO access reaches the Platform with the GPA and size', () => {
    const r = rig();
    const seen: string[] = [];
    const dev = { name: 'probe', read: () => 0n, write: () => {} };
    r.memory.addMmio(0xfeb0_0000, 0x1000, dev);
    (r.cpu as unknown as { platform: { mmioWrite: unknown; mmioRead: unknown } }).platform.mmioWrite = (
      gpa: number,
      size: number,
      value: bigint,
    ) => seen.push(`w ${gpa.toString(16)} ${size} ${value.toString(16)}`);
    (r.cpu as unknown as { platform: { mmioRead: unknown } }).platform.mmioRead = (
      gpa: number,
      size: number,
    ) => {
      seen.push(`r ${gpa.toString(16)} ${size}`);
      return 0x1234n;
    };
    run32(r, ' movl $0xabcd, %eax\n movw %ax, 0xfeb00010\n movzbl 0xfeb00020, %ecx\n hlt');
    expect(r.cpu.run({ maxInstructions: 10 })).toEqual({ kind: 'hlt' });
    expect(seen).toEqual(['w feb00010 2 abcd', 'r feb00020 1']);
    expect(r.cpu.getReg('ecx')).toBe(0x34n);
  });
});
