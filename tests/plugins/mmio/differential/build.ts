/**
 * Builds the differential test's guest at test time: driver.c with gcc (freestanding, no SSE, no red
 * zone, as kernel code is built), harness.S, harness-16.S and harness-32.S with as, all linked by
 * harness.lds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KernelImage, readKernelElf } from '../../../../plugins/kexec/index.ts';

const HERE = import.meta.dir;

export const GCC_FLAGS = [
  '-O2',
  '-ffreestanding',
  '-fno-pic',
  '-fno-pie',
  '-fno-stack-protector',
  '-mno-red-zone',
  '-mgeneral-regs-only',
  '-fno-asynchronous-unwind-tables',
  '-fcf-protection=none',
] as const;

/** The harness sources, in link order: harness.S holds startup_16, which must be the image's first byte. */
const HARNESS_PARTS = ['harness', 'harness-16', 'harness-32'] as const;

function tool(cmd: string, args: readonly string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw new Error(`${cmd} could not run (${r.error.message}): install gcc and GNU binutils.`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
}

export interface DifferentialImage {
  bytes: Uint8Array;
  image: KernelImage;
  sym(name: string): number;
}

export function buildDifferentialImage(): DifferentialImage {
  const work = mkdtempSync(join(tmpdir(), 'sevlab-mmio-diff-'));
  try {
    tool('gcc', [...GCC_FLAGS, '-c', 'driver.c', '-o', join(work, 'driver.o')], HERE);
    for (const part of HARNESS_PARTS) tool('as', ['--64', '-o', join(work, `${part}.o`), `${part}.S`], HERE);
    const elf = join(work, 'harness.elf');
    tool(
      'ld',
      [
        '-m',
        'elf_x86_64',
        '--build-id=none',
        '--no-warn-rwx-segments',
        '-z',
        'max-page-size=0x1000',
        '-z',
        'noexecstack',
        '-T',
        'harness.lds',
        '-o',
        elf,
        ...HARNESS_PARTS.map((part) => join(work, `${part}.o`)),
        join(work, 'driver.o'),
      ],
      HERE,
    );
    const bytes = new Uint8Array(readFileSync(elf));
    const r = readKernelElf(bytes);
    if (r.kind === 'error') throw new Error(`harness.elf: ${r.message}`);
    const image = r.image;
    const sym = (name: string) => {
      const s = image.symbols.find((x) => x.name === name);
      if (!s) throw new Error(`harness.elf has no symbol ${name}`);
      return s.value;
    };
    return { bytes, image, sym };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
