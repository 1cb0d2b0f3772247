// Layouts checked against binutils: the note the model writes equals the one the assembly writes,
// readelf reads PN_XNUM files, crashkernel= parses like Linux's parse_crashkernel_simple.
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import {
  CRASH_NOTE_BYTES,
  coreHeaders,
  crashKexec,
  kdumpSession,
  PR_REG_NAMES,
  parseCrashKernel,
  prstatusNote,
  readPrstatusNote,
  writeElfCore,
} from '../../../plugins/kdump/index.ts';
import { loadedMachine, scratchDir, tool } from './rig.ts';

describe('NT_PRSTATUS', () => {
  test('pr_reg follows Linux x86-64 user_regs_struct: 27 registers from r15 to gs', () => {
    expect(PR_REG_NAMES.length).toBe(27);
    expect([PR_REG_NAMES[0], PR_REG_NAMES[15], PR_REG_NAMES[16], PR_REG_NAMES[26]]).toEqual([
      'r15',
      'orig_rax',
      'rip',
      'gs',
    ]);
  });

  test("the kernel model's note for the panicking CPU has the layout of the NMI handler's notes", () => {
    const m = loadedMachine({ vcpus: 2 });
    const r = crashKexec(m, 0);
    if (r.kind !== 'captured') throw new Error(r.why);
    const notes = kdumpSession(m).loaded!.notes;
    const byModel = m.memory.read(notes, CRASH_NOTE_BYTES);
    const byCode = m.memory.read(notes + CRASH_NOTE_BYTES, CRASH_NOTE_BYTES);
    // Header, name, and every byte outside pr_pid/pr_reg agree; both end with an empty final note.
    expect([...byModel.subarray(0, 20)]).toEqual([...byCode.subarray(0, 20)]);
    expect([...byModel.subarray(0, 20)]).toEqual([
      5, 0, 0, 0, 0x50, 1, 0, 0, 1, 0, 0, 0, 0x43, 0x4f, 0x52, 0x45, 0, 0, 0, 0,
    ]);
    expect(byCode.subarray(356, 368).every((b) => b === 0)).toBe(true);
    expect(readPrstatusNote(byCode)?.pid).toBe(2);
    const round = readPrstatusNote(prstatusNote(7, readPrstatusNote(byCode)!.regs))!;
    expect(round).toEqual({ pid: 7, regs: readPrstatusNote(byCode)!.regs });
  });
});

describe('ELF core writer', () => {
  test('readelf reads a core with more than 65534 PT_LOADs through PN_XNUM', () => {
    const segments = Array.from({ length: 70_000 }, (_, i) => ({ paddr: i * 0x2000, size: 16 }));
    const file = join(scratchDir(), 'xnum.core');
    const r = writeElfCore(file, new Uint8Array(0), segments, (_gpa, n) => new Uint8Array(n).fill(0xab));
    expect(r.segments).toBe(70_000);
    const out = tool('readelf', ['-h', file]);
    expect(out).toContain('Number of program headers:         65535 (70001)');
    expect(out).toContain('Number of section headers:         1');
    expect(coreHeaders(new Uint8Array(0), segments.slice(0, 2)).dataStart).toBe(4096);
  });
});

describe('crashkernel=', () => {
  const MiB = 2 ** 20;
  test.each([
    ['16M@64M', { ok: true, region: { base: 64 * MiB, size: 16 * MiB } }],
    ['crashkernel=0x1000000@0x4000000', { ok: true, region: { base: 64 * MiB, size: 16 * MiB } }],
    ['2048K@512M', { ok: true, region: { base: 512 * MiB, size: 2 * MiB } }],
    ['16M', { ok: false, message: 'crashkernel=16M is not size@offset; write it like 16M@64M' }],
    [
      '512K@64M',
      { ok: false, message: 'crashkernel=512K@64M is smaller than 1M: the capture kernel needs 1M' },
    ],
    ['16M@64M+1', { ok: false, message: 'crashkernel=16M@64M+1 is not size@offset; write it like 16M@64M' }],
    [
      '16M@2G',
      {
        ok: false,
        message: "crashkernel=16M@2G ends beyond the guest's 1024M of memory; give a lower offset",
      },
    ],
  ] as const)('%s', (text, expected) => {
    expect(parseCrashKernel(text, 2 ** 30)).toEqual(expected as never);
  });
});
