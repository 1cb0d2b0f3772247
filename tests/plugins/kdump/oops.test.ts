// A guest fault the test kernel has no handler for crashes the machine by itself: the oops entry
// saves the fault's pt_regs, NMIs the other CPUs, writes CRASHTIME and enters the capture kernel,
// all as guest code inside the run the fault happened in (die() -> crash_kexec(regs) in Linux).
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import type { Machine } from '../../../core/index.ts';
import {
  CRASH_NMI_SYMBOLS,
  crashKexec,
  kdumpCrash,
  kdumpSession,
  readPrstatusNote,
  writeVmcore,
} from '../../../plugins/kdump/index.ts';
import { gdbBytes, gdbRegisters, loadedMachine, scratchDir } from './rig.ts';

/** Free memory past kernel A's image, where the "buggy" kernel code is placed. */
const BUG = 0x180_0000;
const bytes = (hex: string) => Uint8Array.from(hex.split(' ').map((b) => Number.parseInt(b, 16)));
// mov $0x1122334455667788, %rbx ; ud2
const UD2 = '48 bb 88 77 66 55 44 33 22 11 0f 0b';

function faultOn(m: Machine, cpu: number, code: string, at = BUG): void {
  m.memory.write(at, bytes(code));
  const v = m.vcpu(cpu);
  v.cpu.setReg('rip', at);
  v.cpu.halted = false;
  m.hv.setState(v, 'running', 'test');
}

const events = (m: Machine, kind: string, from = 0) =>
  m.log.events.slice(from).filter((e) => e.kind === kind);

describe.each([
  ['#UD', 6, UD2, 10, 0xffff_ffff_ffff_ffffn],
  // movabs $0x4000000000, %rax ; movb $1, (%rax): not mapped (the identity map ends at 4 GiB)
  ['#PF', 14, '48 b8 00 00 00 00 40 00 00 00 c6 00 01', 10, 0x2n],
] as const)('an oops (%s) on cpu0', (_name, vector, code, at, origRax) => {
  const m = loadedMachine();
  faultOn(m, 0, code);
  const from = m.log.length;
  const stop = m.run({ maxInstructions: 5_000_000 });
  const s = kdumpSession(m);

  test('runs the whole crash path inside one run, which ends with every vCPU idle', () => {
    expect(stop).toEqual({ kind: 'idle' });
    expect(kdumpCrash(m)).toMatchObject({
      cpu: 0,
      cause: { kind: 'oops', vector },
      stopped: [1, 2, 3],
      notStopped: [],
      crashingNoteBy: 'oops entry',
      captureCpus: 1,
    });
    expect(m.vcpus.map((v) => v.state)).toEqual(['halted', 'halted', 'halted', 'halted']);
    const rip = Number(m.vcpu(0).cpu.getReg('rip'));
    expect(rip >= s.loaded!.region.base && rip < s.loaded!.capture.end).toBe(true);
  });

  test('the NMI shoot-down goes through the x2APIC ICR (#VC, MSR exit) and ends with NMI complete', () => {
    const icr = events(m, 'vc', from).filter(
      (e) => e.kind === 'vc' && e.vcpu === 0 && e.name === 'SVM_EXIT_MSR',
    );
    expect(icr.length).toBe(1);
    const nmis = events(m, 'ipi', from).map((e) => (e.kind === 'ipi' ? `${e.type} ${e.from}->${e.to}` : ''));
    expect(nmis).toEqual(['NMI 0->1', 'NMI 0->2', 'NMI 0->3']);
    const done = events(m, 'vmgexit').filter(
      (e) => e.kind === 'vmgexit' && e.name === 'SVM_VMGEXIT_NMI_COMPLETE',
    );
    expect(done.map((e) => (e.kind === 'vmgexit' ? e.vcpu : -1))).toEqual([1, 2, 3]);
  });

  test("the note holds the fault's registers; CRASHTIME is the TSC the hypervisor returned", () => {
    const note = readPrstatusNote(m.memory.read(s.loaded!.notes, 512))!;
    expect(note.pid).toBe(1);
    expect(note.regs.rip).toBe(BigInt(BUG + at));
    expect(note.regs.orig_rax).toBe(origRax);
    if (vector === 6) expect(note.regs.rbx).toBe(0x1122334455667788n);
    else expect(note.regs.rax).toBe(0x40_0000_0000n);
    const rdtsc = events(m, 'vmgexit').filter((e) => e.kind === 'vmgexit' && e.name === 'SVM_EXIT_RDTSC');
    expect(rdtsc.length).toBe(1);
    expect(kdumpCrash(m)!.crashTime).toBe(rdtsc[0]!.icount);
  });

  test('gdb reads the faulting RIP as thread 1 and the CRASHTIME line in the VMCOREINFO note', () => {
    const core = join(scratchDir(), 'vmcore');
    expect(writeVmcore(m, core).kind).toBe('written');
    expect(gdbRegisters(core, ['rip']).get(1)).toEqual({ rip: BigInt(BUG + at) });
    const text = new TextDecoder().decode(m.memory.read(s.loaded!.vmcoreinfo + 24, 4000));
    const line = `CRASHTIME=${kdumpCrash(m)!.crashTime}\n`;
    const where = s.loaded!.vmcoreinfo + 24 + text.indexOf(line);
    expect(text.indexOf(line)).toBeGreaterThan(0);
    const read = [...gdbBytes(core, where), ...gdbBytes(core, where + 8)];
    expect(new TextDecoder().decode(Uint8Array.from(read)).startsWith(line)).toBe(true);
  });

  test('a crash command afterwards is refused: the kernel already crashed', () => {
    expect(crashKexec(m, 1)).toEqual({ kind: 'failed', why: 'the kernel already crashed on cpu0' });
  });
});

test('an oops on an idle AP crashes that AP; the BSP stops in its command loop', () => {
  const m = loadedMachine();
  faultOn(m, 2, UD2);
  expect(m.run({ maxInstructions: 5_000_000 })).toEqual({ kind: 'idle' });
  expect(kdumpCrash(m)).toMatchObject({ cpu: 2, cause: { kind: 'oops', vector: 6 }, stopped: [0, 1, 3] });
  const note = readPrstatusNote(m.memory.read(kdumpSession(m).loaded!.notes + 2 * 512, 512))!;
  expect(note).toMatchObject({ pid: 3, regs: { rip: BigInt(BUG + 10), rbx: 0x1122334455667788n } });
});

test('a CPU that oopses while another is in the crash path stops there and answers the NMI', () => {
  const m = loadedMachine();
  const blob = kdumpSession(m).loaded!.blob;
  const panicCpu = () => m.memory.read32(blob + CRASH_NMI_SYMBOLS.crash_kexec_cpu);
  faultOn(m, 0, UD2);
  // cpu0 runs until it owns the crash path (it stops at its next #VC, the RDTSC before the NMIs).
  expect(m.run({ only: [0], until: () => panicCpu() !== 0 })).toEqual({ kind: 'until' });
  expect(panicCpu()).toBe(1);
  faultOn(m, 1, UD2, BUG + 0x100);
  expect(m.run({ only: [1] })).toEqual({ kind: 'idle' });
  expect(Number(m.vcpu(1).cpu.getReg('rip')) - blob).toBe(CRASH_NMI_SYMBOLS.crash_die_halt + 2);
  expect(m.run({ maxInstructions: 5_000_000 })).toEqual({ kind: 'idle' });
  expect(kdumpCrash(m)).toMatchObject({ cpu: 0, stopped: [1, 2, 3], crashingNoteBy: 'oops entry' });
  // cpu1 waits in crash_die_halt's hlt; its note is the NMI's view of that loop.
  const note = readPrstatusNote(m.memory.read(kdumpSession(m).loaded!.notes + 512, 512))!;
  expect(Number(note.regs.rip) - blob).toBe(CRASH_NMI_SYMBOLS.crash_die_halt + 2);
});
