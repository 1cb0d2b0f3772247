// End to end against outside truth: readelf and gdb read the vmcore the capture kernel's user space
// writes (the /proc/vmcore layout of fs/proc/vmcore.c).
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import type { Machine } from '../../../core/index.ts';
import {
  CRASH_NMI_SYMBOLS,
  crashKexec,
  kdumpCrash,
  kdumpSession,
  PR_REG_NAMES,
  regsOf,
  writeHostDump,
  writeVmcore,
} from '../../../plugins/kdump/index.ts';
import { KERNEL_A_SYMBOLS } from '../../../plugins/kexec/index.ts';
import { GHCB_BASE, gdbBytes, gdbRegisters, loadedMachine, scratchDir, tool } from './rig.ts';

/** A kernel data page the test writes before the crash (free memory of kernel A's image area). */
const MARK_GPA = 0x180_0000;
const MARK = [0x53, 0x45, 0x56, 0x2d, 0x45, 0x53, 0x21, 0x0a]; // "SEV-ES!\n"

/** Every pr_reg field: gdb shows each under the same name (orig_rax, fs_base and gs_base included). */
const GDB_REGS = [...PR_REG_NAMES];

/**
 * Gives each CPU distinct values in the registers the test kernel leaves at 0 (r9-r15, rbp and the
 * FS/GS bases), so a note that dropped or swapped one of them cannot match by accident.
 */
function seedRegisters(m: Machine): void {
  for (const v of m.vcpus) {
    const seeded = ['r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rbp'];
    for (const [i, r] of seeded.entries()) v.cpu.setReg(r, BigInt(0x1000 * (v.index + 1) + i));
    v.cpu.setReg('fs_base', 0x7f_0000n + BigInt(v.index));
    v.cpu.setReg('gs_base', 0x8f_0000n + BigInt(v.index));
  }
}

/** pr_reg as crash_save_cpu() would fill it from the CPU's state now (orig_rax -1: not a syscall). */
const prReg = (m: Machine, cpu: number): Record<string, bigint> => regsOf((r) => m.vcpu(cpu).cpu.getReg(r));

function crashed(cpu = 0): { m: Machine; before: Record<string, bigint>[]; dir: string } {
  const m = loadedMachine();
  m.memory.write(MARK_GPA, Uint8Array.from(MARK));
  seedRegisters(m);
  const before = m.vcpus.map((v) => prReg(m, v.index));
  const r = crashKexec(m, cpu);
  if (r.kind !== 'captured') throw new Error(r.why);
  return { m, before, dir: scratchDir() };
}

describe('kdump on a 4-vCPU SEV-ES guest running test kernel A', () => {
  const { m, before, dir } = crashed();
  const vmcore = join(dir, 'vmcore');
  const host = join(dir, 'host.core');
  const written = writeVmcore(m, vmcore);
  const hostWritten = writeHostDump(m, host);

  test('the NMI shoot-down stops cpu1-3, each ending its NMI with NMI complete through its GHCB', () => {
    expect(kdumpCrash(m)).toMatchObject({ cpu: 0, stopped: [1, 2, 3], notStopped: [] });
    const nmiComplete = m.log.events.filter(
      (e) => e.kind === 'vmgexit' && e.name === 'SVM_VMGEXIT_NMI_COMPLETE',
    );
    expect(nmiComplete.map((e) => (e.kind === 'vmgexit' ? e.vcpu : -1))).toEqual([1, 2, 3]);
    const nmis = m.log.events.filter((e) => e.kind === 'ipi' && e.type === 'NMI');
    expect(nmis.map((e) => (e.kind === 'ipi' ? `${e.from}->${e.to}` : ''))).toEqual(['0->1', '0->2', '0->3']);
  });

  test('the capture kernel runs on cpu0 from the crashkernel region; the APs halt in the NMI handler', () => {
    const s = kdumpSession(m);
    expect(s.loaded!.region).toEqual({ base: 0x400_0000, size: 0x100_0000 });
    expect(m.vcpus.map((v) => v.state)).toEqual(['halted', 'halted', 'halted', 'halted']);
    expect(Number(m.vcpu(0).cpu.getReg('rip'))).toBeGreaterThanOrEqual(0x400_0000);
    expect(Number(m.vcpu(0).cpu.getReg('rip'))).toBeLessThan(0x500_0000);
    expect(m.vcpus.slice(1).map((v) => Number(v.cpu.getReg('rip')) - s.loaded!.blob)).toEqual(
      [1, 2, 3].map(() => CRASH_NMI_SYMBOLS.crash_nmi_halt + 2),
    ); // past cli; hlt
  });

  test('readelf accepts the vmcore: ELF64 CORE, one PT_NOTE, PT_LOADs, four NT_PRSTATUS and VMCOREINFO', () => {
    expect(written.kind).toBe('written');
    const out = tool('readelf', ['-h', '-l', '-n', '-W', vmcore]);
    expect(out).toContain('Class:                             ELF64');
    expect(out).toContain('Type:                              CORE (Core file)');
    expect(out).toContain('Machine:                           Advanced Micro Devices X86-64');
    expect(out.match(/^\s+NOTE\s/gm)?.length).toBe(1);
    expect(out.match(/NT_PRSTATUS \(prstatus structure\)/g)?.length).toBe(4);
    expect(out).toMatch(/VMCOREINFO\s+0x[0-9a-f]+\s+Unknown note type: \(0x00000000\)/);
    expect(out).not.toContain('Warning');
  });

  test('no PT_LOAD covers the crashkernel region or firmware-reserved memory', () => {
    const loads = [
      ...tool('readelf', ['-l', '-W', vmcore]).matchAll(/LOAD\s+0x\S+ 0x\S+ (0x\S+) (0x\S+)/g),
    ].map((x) => [Number(x[1]), Number(x[1]) + Number(x[2])] as const);
    expect(loads.length).toBeGreaterThan(0);
    for (const r of m.memory.reservedRanges())
      for (const [a, b] of loads) expect(a < r.base + r.length && r.base < b).toBe(false);
  });

  test('gdb loads the vmcore and x/8xb shows the bytes written before the crash', () => {
    expect(gdbBytes(vmcore, MARK_GPA)).toEqual(MARK);
    const idt = gdbBytes(vmcore, KERNEL_A_SYMBOLS.idt_table + 2 * 16);
    // IDT vector 2 points at the crash code: selector __KERNEL_CS, interrupt gate 0x8e00.
    expect(idt.slice(2, 6)).toEqual([0x10, 0x00, 0x00, 0x8e]);
  });

  test("each thread's 27 pr_reg fields in gdb are the CPU's registers at the crash", () => {
    const threads = gdbRegisters(vmcore, GDB_REGS);
    expect([...threads.keys()].sort()).toEqual([1, 2, 3, 4]);
    for (let cpu = 0; cpu < 4; cpu++) expect(threads.get(cpu + 1)).toEqual(before[cpu]!);
  });

  test('the host dump has the same layout but ciphertext in private pages and plaintext in shared ones', () => {
    expect(hostWritten).toMatchObject({
      kind: 'written',
      bytes: written.kind === 'written' ? written.bytes : -1,
    });
    expect(gdbBytes(host, MARK_GPA)).not.toEqual(MARK);
    expect(gdbBytes(host, MARK_GPA)).toEqual([...m.memory.hvRead(MARK_GPA, 8)]);
    // The GHCB pages are shared: the hypervisor reads what the guest wrote.
    const ghcbVersion = GHCB_BASE + 0x1000 + 0xff8;
    expect(gdbBytes(host, ghcbVersion)).toEqual(gdbBytes(vmcore, ghcbVersion));
    expect(gdbBytes(vmcore, ghcbVersion)).toEqual([...m.memory.read(ghcbVersion, 8)]);
  });

  test('the host dump carries no registers: the VMSA is encrypted', () => {
    const threads = gdbRegisters(host, ['rip', 'rsp']);
    expect([...threads.values()]).toEqual([0, 1, 2, 3].map(() => ({ rip: 0n, rsp: 0n })));
  });

  test('a sparse guest gives a small vmcore: only touched pages are written', () => {
    if (written.kind !== 'written') throw new Error(written.why);
    expect(written.memoryBytes).toBe(m.memory.touchedPages() * 4096 - excludedTouched(m));
    expect(written.bytes).toBeLessThan(4 * 2 ** 20);
  });
});

/** Touched pages that lie in reserved ranges (left out of the dump). */
function excludedTouched(m: Machine): number {
  let n = 0;
  for (const r of m.memory.reservedRanges())
    for (let gpa = r.base; gpa < r.base + r.length; gpa += 4096)
      if (m.memory.ramPage(gpa / 4096, false)) n += 4096;
  return n;
}

describe("kdump after a crash on cpu2: the other CPUs' notes come from the NMI callback (guest code)", () => {
  const { m, before, dir } = crashed(2);
  const vmcore = join(dir, 'vmcore');
  writeVmcore(m, vmcore);
  const threads = gdbRegisters(vmcore, GDB_REGS);

  test('the crashing AP: crash_setup_regs() of the kernel model, all 27 fields', () => {
    expect(kdumpCrash(m)).toMatchObject({ cpu: 2, stopped: [0, 1, 3], crashingNoteBy: 'kernel model' });
    expect(threads.get(3)).toEqual(before[2]!);
  });

  // cpu1 and cpu3 idle in HLT, so their registers when the NMI arrives are those before the crash.
  // cpu0 was running kernel code: where the NMI caught it is not known beforehand.
  test.each([1, 3])('AP cpu%i, stopped by the NMI: its saved pt_regs, all 27 fields', (cpu) => {
    expect(threads.get(cpu + 1)).toEqual(before[cpu]!);
    expect(threads.get(cpu + 1)!.r15).toBe(BigInt(0x1000 * (cpu + 1) + 6));
    expect(threads.get(cpu + 1)!.gs_base).toBe(0x8f_0000n + BigInt(cpu));
  });
});
