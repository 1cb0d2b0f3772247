import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKernelSegments, readKernelElf, symbolValue } from '../../../plugins/kexec/elf.ts';
import { readTestKernel, TEST_KERNELS } from '../../../plugins/kexec/kernels.ts';
import { SparseMemory } from '../jump-table/sparse-memory.ts';

function tool(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return r.stdout;
}

describe.each(['A', 'B'] as const)('readKernelElf on test kernel %s, against readelf and nm', (id) => {
  const path = fileURLToPath(TEST_KERNELS[id]);
  const { image } = readTestKernel(id);

  test('entry point and PT_LOAD segments match readelf', () => {
    const entry = /Entry point address:\s+0x([0-9a-f]+)/.exec(tool('readelf', ['-hW', path]))![1]!;
    expect(image.entry).toBe(Number.parseInt(entry, 16));
    const loads = tool('readelf', ['-lW', path])
      .split('\n')
      .filter((l) => l.trim().startsWith('LOAD'))
      .map((l) => l.trim().split(/\s+/));
    expect(image.segments.map((s) => [s.offset, s.vaddr, s.paddr, s.filesz, s.memsz])).toEqual(
      loads.map((f) => f.slice(1, 6).map((v) => Number.parseInt(v, 16))),
    );
  });

  test('symbols match nm, located and absolute', () => {
    const nm = tool('nm', ['--defined-only', path])
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([v, t, n]) => `${n} ${Number.parseInt(v!, 16)} ${t === 'a' || t === 'A'}`)
      .sort();
    expect(
      image.symbols
        .filter((s) => s.type !== 'file')
        .map((s) => `${s.name} ${s.value} ${s.absolute}`)
        .sort(),
    ).toEqual(nm);
  });
});

describe('readKernelElf on test kernel A', () => {
  const { bytes, image } = readTestKernel('A');

  test('has a trampoline segment below 1 MiB and the kernel at 16 MiB with .bss beyond its file bytes', () => {
    expect(image.segments.map((s) => [s.index, s.paddr, s.filesz, s.memsz, s.flags])).toEqual([
      [0, 0x8000, 0x148, 0x148, 7],
      [1, 0x1000000, 0x8000, 0x10a000, 7],
    ]);
    expect(image.entry).toBe(symbolValue(image, 'startup_64'));
  });

  test('loads each segment at p_paddr and zero-fills memsz beyond filesz', () => {
    const memory = new SparseMemory();
    memory.write(0x1008000, Uint8Array.of(0xcc)); // stale byte where .bss lands
    memory.writes.length = 0;
    loadKernelSegments(memory, bytes, image);
    expect(memory.writes).toEqual([
      { gpa: 0x8000, length: 0x148 },
      { gpa: 0x1000000, length: 0x8000 },
      { gpa: 0x1008000, length: 0x102000 },
    ]);
    expect(memory.read(0x8000, 4)).toEqual(bytes.subarray(0x1000, 0x1004));
    expect(memory.read(0x1008000, 1)[0]).toBe(0);
  });

  test('refuses a segment that ends beyond guest memory', () => {
    expect(readKernelElf(bytes, { memorySize: 0x1100000 })).toEqual({
      kind: 'error',
      message:
        'Segment 1 [0x1000000, 0x110a000) lies outside guest memory (0x1100000 bytes): give the guest more memory ' +
        'or link the kernel lower.',
    });
    expect(readKernelElf(bytes, { memorySize: 0x110a000 }).kind).toBe('ok');
  });
});

describe('readKernelElf refuses broken images', () => {
  const good = readFileSync(TEST_KERNELS.A);
  const edit = (f: (b: Uint8Array, v: DataView) => void) => {
    const b = new Uint8Array(good);
    f(b, new DataView(b.buffer));
    return b;
  };

  test.each([
    [
      'a text file',
      new TextEncoder().encode('not a kernel'),
      'Not an ELF file: it does not start with the bytes 7f 45 4c 46 ("\\x7fELF").',
    ],
    ['a truncated header', good.subarray(0, 40), 'Not an ELF64 file: 40 bytes is shorter than its header.'],
    [
      'a 32-bit ELF',
      edit((b) => {
        b[4] = 1;
      }),
      'Not a 64-bit ELF file (EI_CLASS 1): kexec loads ELF64 kernels.',
    ],
    [
      'a big-endian ELF',
      edit((b) => {
        b[5] = 2;
      }),
      'Not a little-endian ELF file (EI_DATA 2).',
    ],
    [
      'an i386 ELF',
      edit((_, v) => v.setUint16(18, 3, true)),
      'Not an x86-64 ELF file (e_machine 3, expected 62).',
    ],
    [
      'a shared object',
      edit((_, v) => v.setUint16(16, 3, true)),
      'Not an executable ELF file (e_type ET_DYN): link the kernel into ET_EXEC.',
    ],
    [
      'program headers past the end',
      edit((_, v) => v.setBigUint64(32, 0x100000n, true)),
      'The program header table lies outside the file.',
    ],
    [
      'no program headers',
      edit((_, v) => v.setUint16(56, 0, true)),
      'The ELF file has no program headers, so nothing to load.',
    ],
    [
      'no PT_LOAD segment',
      edit((_, v) => {
        v.setUint32(64, 4, true);
        v.setUint32(64 + 56, 4, true);
      }),
      'The ELF file has no PT_LOAD segment, so nothing to load.',
    ],
    [
      'file bytes past the end',
      edit((_, v) => v.setBigUint64(64 + 56 + 32, 0x100000n, true)),
      "Segment 1's file bytes lie outside the file.",
    ],
    [
      'filesz beyond memsz',
      edit((_, v) => v.setBigUint64(64 + 40, 0x100n, true)),
      'Segment 0 has p_filesz 0x148 > p_memsz 0x100.',
    ],
    [
      'an entry outside the loaded bytes',
      edit((_, v) => v.setBigUint64(24, 0x1008000n, true)),
      "The entry point 0x1008000 lies in no PT_LOAD segment's file bytes.",
    ],
    [
      'an address beyond 2**53',
      edit((_, v) => v.setBigUint64(64 + 24, 1n << 60n, true)),
      'The segment 0 p_paddr value 0x1000000000000000 is beyond 2**53.',
    ],
  ])('%s', (_, bytes, message) => {
    expect(readKernelElf(bytes)).toEqual({ kind: 'error', message });
  });

  test('a relocatable object straight from the assembler (ET_REL)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sevlab-elf-'));
    try {
      writeFileSync(join(dir, 'k.s'), '.globl _start\n_start: hlt\n');
      tool('as', ['--64', '-o', 'k.o', 'k.s'], dir);
      expect(readKernelElf(new Uint8Array(readFileSync(join(dir, 'k.o'))))).toEqual({
        kind: 'error',
        message: 'Not an executable ELF file (e_type ET_REL): link the kernel into ET_EXEC.',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a stripped image still loads, with no symbols', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sevlab-elf-'));
    try {
      tool('objcopy', ['--strip-all', fileURLToPath(TEST_KERNELS.B), join(dir, 'b.elf')]);
      const r = readKernelElf(new Uint8Array(readFileSync(join(dir, 'b.elf'))));
      expect(r.kind === 'ok' && [r.image.entry, r.image.symbols.length]).toEqual([0x2000000, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
