// A guest fault the test kernel has no handler for: the oops entry (machine code) saves the fault's
// pt_regs, and the crash that follows uses that CPU and leaves its note alone.
import { expect, test } from 'bun:test';
import {
  CRASH_NMI_SYMBOLS,
  crashKexec,
  kdumpSession,
  readPrstatusNote,
} from '../../../plugins/kdump/index.ts';
import { loadedMachine } from './rig.ts';

/** Free memory past kernel A's image, where the "buggy" kernel code is placed. */
const BUG = 0x180_0000;

test.each([
  // mov $0x1122334455667788, %rbx ; ud2
  ['#UD', 6, '48 bb 88 77 66 55 44 33 22 11 0f 0b', 10, 0xffff_ffff_ffff_ffffn],
  // movabs $0x4000000000, %rax ; movb $1, (%rax): not mapped (the identity map ends at 4 GiB)
  ['#PF', 14, '48 b8 00 00 00 00 40 00 00 00 c6 00 01', 10, 0x2n],
] as const)(
  'an oops (%s) on cpu0 crashes cpu0 with the faulting context in its note',
  (name, vector, code, at, origRax) => {
    const m = loadedMachine();
    m.memory.write(BUG, Uint8Array.from(code.split(' ').map((b) => Number.parseInt(b, 16))));
    m.vcpu(0).cpu.setReg('rip', BUG);
    m.run({ maxInstructions: 10_000, only: [0] });
    const s = kdumpSession(m);
    const blob = s.loaded!.blob;
    expect(Number(m.vcpu(0).cpu.getReg('rip')) - blob).toBe(CRASH_NMI_SYMBOLS.crash_die_halt + 2);
    expect(m.memory.read32(blob + CRASH_NMI_SYMBOLS.crash_oops_cpu)).toBe(1);
    const r = crashKexec(m, 2);
    if (r.kind !== 'captured') throw new Error(r.why);
    expect(r.crash).toMatchObject({ cpu: 0, cause: { kind: 'oops', vector }, crashingNoteBy: 'oops entry' });
    expect(m.log.events.some((e) => e.kind === 'log' && e.message === `Oops: ${name} on CPU 0`)).toBe(true);
    const note = readPrstatusNote(m.memory.read(s.loaded!.notes, 512))!;
    expect(note.pid).toBe(1);
    expect(note.regs.rip).toBe(BigInt(BUG + at));
    expect(note.regs.orig_rax).toBe(origRax);
    if (vector === 6) expect(note.regs.rbx).toBe(0x1122334455667788n);
    else expect(note.regs.rax).toBe(0x40_0000_0000n);
  },
);
