/**
 * `bun scripts/build-asm.ts [--check]`: builds every piece of machine code sevlab ships from its
 * assembly source with GNU binutils (as, ld, objcopy, nm), the way the kernel builds
 * arch/x86/realmode/sev/ap_jump_table.bin (arch/x86/realmode/sev/Makefile).
 *
 * Outputs sit next to the sources and are checked in: the raw blob (`objcopy -O binary`) or the
 * linked ELF image, plus a `*.symbols.ts` table generated from `nm`. With `--check` everything is
 * rebuilt in a temporary folder and compared byte for byte with the checked-in files; any
 * difference fails (exit status 1).
 *
 * Reproducible: fixed flags, no build id, C locale, and each tool runs in the source folder with
 * relative file names, so the ELF file symbol does not depend on where the build runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dir, '..');
const JUMP_TABLE = 'plugins/jump-table';
const KERNELS = 'plugins/kexec/kernels';
const FIRMWARE = 'plugins/kexec/firmware';
const MMIO = 'plugins/mmio';
const TEST_BLOBS = 'scenarios/jump-table/blobs';
const KDUMP = 'plugins/kdump';

interface AsmObject {
  /** Source, relative to the repository root; assembled in its own folder. */
  src: string;
  /** `as` flags: code size and include folders (relative to the source folder). */
  flags: readonly string[];
}

interface Target {
  /** Output base name: `<name>.bin` or `<name>.elf`, `<name>.symbols.ts` in `outDir`. */
  name: string;
  outDir: string;
  objects: readonly AsmObject[];
  /** Linker script, relative to the repository root; ld runs in its folder (for INCLUDE). */
  script: string;
  emulation: 'elf_i386' | 'elf_x86_64';
  /** 'bin': objcopy -O binary (a position-fixed blob); 'elf': ship the linked image itself. */
  output: 'bin' | 'elf';
  /** Exported name of the symbol table and what its values mean. */
  symbolsConst: string;
  symbolsDoc: string;
}

const PARK_OBJECT: AsmObject = { src: `${JUMP_TABLE}/asm/sev_ap_park.S`, flags: ['--64'] };
const KERNEL_AS_FLAGS = ['--64', '-I', '../../jump-table/asm'];

/** Every shipped blob and image. */
export const TARGETS: readonly Target[] = [
  {
    name: 'ap_jump_table',
    outDir: JUMP_TABLE,
    objects: [{ src: `${JUMP_TABLE}/asm/ap_jump_table.S`, flags: ['--32'] }],
    script: `${JUMP_TABLE}/asm/ap_jump_table.lds`,
    emulation: 'elf_i386',
    output: 'bin',
    symbolsConst: 'AP_JUMP_TABLE_SYMBOLS',
    symbolsDoc: 'Symbols of asm/ap_jump_table.S: offsets inside the AP jump table page (linked at 0).',
  },
  {
    name: 'kernel_a',
    outDir: KERNELS,
    objects: [{ src: `${KERNELS}/kernel_a.S`, flags: KERNEL_AS_FLAGS }, PARK_OBJECT],
    script: `${KERNELS}/kernel_a.lds`,
    emulation: 'elf_x86_64',
    output: 'elf',
    symbolsConst: 'KERNEL_A_SYMBOLS',
    symbolsDoc: 'Symbols of test kernel A (kernel_a.S + sev_ap_park.S): guest physical addresses.',
  },
  {
    name: 'kernel_b',
    outDir: KERNELS,
    objects: [{ src: `${KERNELS}/kernel_b.S`, flags: KERNEL_AS_FLAGS }, PARK_OBJECT],
    script: `${KERNELS}/kernel_b.lds`,
    emulation: 'elf_x86_64',
    output: 'elf',
    symbolsConst: 'KERNEL_B_SYMBOLS',
    symbolsDoc: 'Symbols of test kernel B (kernel_b.S + sev_ap_park.S): guest physical addresses.',
  },
  {
    name: 'kernel_c',
    outDir: KERNELS,
    objects: [{ src: `${KERNELS}/kernel_c.S`, flags: KERNEL_AS_FLAGS }, PARK_OBJECT],
    script: `${KERNELS}/kernel_c.lds`,
    emulation: 'elf_x86_64',
    output: 'elf',
    symbolsConst: 'KERNEL_C_SYMBOLS',
    symbolsDoc: 'Symbols of test kernel C (kernel_c.S + sev_ap_park.S): guest physical addresses.',
  },
  {
    name: 'crash_nmi',
    outDir: KDUMP,
    objects: [{ src: `${KDUMP}/asm/crash_nmi.S`, flags: ['--64', '-I', '../../jump-table/asm'] }],
    script: `${KDUMP}/asm/crash_nmi.lds`,
    emulation: 'elf_x86_64',
    output: 'bin',
    symbolsConst: 'CRASH_NMI_SYMBOLS',
    symbolsDoc: 'Symbols of asm/crash_nmi.S: offsets inside the crash code blob (linked at 0).',
  },
  {
    name: 'capture_kernel',
    outDir: KDUMP,
    objects: [
      { src: `${KDUMP}/asm/capture_kernel.S`, flags: [...KERNEL_AS_FLAGS, '-I', '../../kexec/kernels'] },
    ],
    script: `${KDUMP}/asm/capture_kernel.lds`,
    emulation: 'elf_x86_64',
    output: 'elf',
    symbolsConst: 'CAPTURE_KERNEL_SYMBOLS',
    symbolsDoc: 'Symbols of asm/capture_kernel.S: offsets from the load address (linked at 0).',
  },
  {
    name: 'ovmf_ap_stub',
    outDir: FIRMWARE,
    objects: [{ src: `${FIRMWARE}/ovmf_ap_stub.S`, flags: ['--32'] }],
    script: `${FIRMWARE}/ovmf_ap_stub.lds`,
    emulation: 'elf_i386',
    output: 'bin',
    symbolsConst: 'OVMF_AP_STUB_SYMBOLS',
    symbolsDoc: "Symbols of firmware/ovmf_ap_stub.S: guest physical addresses in firmware's AP loop page.",
  },
  {
    name: 'decompressor',
    outDir: MMIO,
    objects: [{ src: `${MMIO}/asm/decompressor.S`, flags: ['--64'] }],
    script: `${MMIO}/asm/decompressor.lds`,
    emulation: 'elf_x86_64',
    output: 'elf',
    symbolsConst: 'DECOMPRESSOR_SYMBOLS',
    symbolsDoc: 'Symbols of the decompressor image (asm/decompressor.S): guest physical addresses.',
  },
  ...['faulting_blob', 'too_big_blob', 'gdt_outside_blob'].map(
    (name): Target => ({
      name,
      outDir: TEST_BLOBS,
      objects: [{ src: `${TEST_BLOBS}/${name}.S`, flags: ['--32'] }],
      script: `${TEST_BLOBS}/blob.lds`,
      emulation: 'elf_i386',
      output: 'bin',
      symbolsConst: `${name.toUpperCase()}_SYMBOLS`,
      symbolsDoc: `Symbols of the scenario test blob ${name}.S (offsets in the page).`,
    }),
  ),
  {
    name: 'marked_blob',
    outDir: TEST_BLOBS,
    objects: [
      { src: `${TEST_BLOBS}/marked_blob.S`, flags: ['--32', '-I', '../../../plugins/jump-table/asm'] },
    ],
    script: `${TEST_BLOBS}/blob.lds`,
    emulation: 'elf_i386',
    output: 'bin',
    symbolsConst: 'MARKED_BLOB_SYMBOLS',
    symbolsDoc:
      'Symbols of the scenario test blob marked_blob.S: the shipped blob plus a marker (offsets in the page).',
  },
];

/** Runs one binutils tool; a failure throws with the tool's own message. */
function tool(cmd: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw new Error(`${cmd} could not run (${r.error.message}): install GNU binutils.`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${r.stderr}`);
  return r.stdout;
}

/** `nm` output -> sorted [name, value] pairs of the symbols that live in a section. */
export function parseNm(text: string): [string, number][] {
  const rows: [string, number][] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+) ([A-Za-z]) (\S+)$/.exec(line.trim());
    // Absolute symbols ('a'/'A') are .equ constants and linker-script values, not locations.
    if (!m || m[2] === 'a' || m[2] === 'A') continue;
    rows.push([m[3]!, Number.parseInt(m[1]!, 16)]);
  }
  return rows.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

export function symbolsSource(target: Target, symbols: [string, number][]): string {
  const lines = symbols.map(([name, value]) => `  ${name}: 0x${value.toString(16)},`);
  return [
    `// Generated by \`bun scripts/build-asm.ts\` from \`nm\` of the linked ${target.name} ELF: do not edit.`,
    '',
    `/** ${target.symbolsDoc} */`,
    // An empty table on one line, as the formatter writes it.
    ...(lines.length
      ? [`export const ${target.symbolsConst} = {`, ...lines, '} as const;']
      : [`export const ${target.symbolsConst} = {} as const;`]),
    '',
  ].join('\n');
}

/** Builds one target into `outRoot` (the repository root, or a temporary mirror of it). */
function build(target: Target, outRoot: string, work: string): string[] {
  const objects = target.objects.map((o, i) => {
    const obj = join(work, `${target.name}.${i}.o`);
    tool('as', [...o.flags, '-o', obj, basename(o.src)], join(ROOT, dirname(o.src)));
    return obj;
  });
  const elf = join(work, `${target.name}.elf`);
  const scriptDir = join(ROOT, dirname(target.script));
  tool(
    'ld',
    [
      '-m',
      target.emulation,
      '--build-id=none',
      '--no-warn-rwx-segments',
      '-z',
      'max-page-size=0x1000',
      '-z',
      'noexecstack',
      '-T',
      basename(target.script),
      '-o',
      elf,
      ...objects,
    ],
    scriptDir,
  );
  const outDir = join(outRoot, target.outDir);
  const image = join(outDir, `${target.name}.${target.output}`);
  if (target.output === 'bin') tool('objcopy', ['-O', 'binary', elf, image], work);
  else writeFileSync(image, readFileSync(elf));
  const symbols = parseNm(tool('nm', ['--defined-only', elf], work));
  const symbolsFile = join(outDir, `${target.name}.symbols.ts`);
  writeFileSync(symbolsFile, symbolsSource(target, symbols));
  return [image, symbolsFile].map((f) => relative(outRoot, f));
}

function buildAll(outRoot: string): string[] {
  const work = mkdtempSync(join(tmpdir(), 'sevlab-asm-'));
  try {
    return TARGETS.flatMap((t) => build(t, outRoot, work));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Rebuilds in a temporary tree; returns the checked-in files that differ from the rebuild. */
export function checkAll(): string[] {
  const outRoot = mkdtempSync(join(tmpdir(), 'sevlab-asm-check-'));
  try {
    for (const t of TARGETS) mkdirSync(join(outRoot, t.outDir), { recursive: true });
    const built = buildAll(outRoot);
    return built.filter((f) => {
      let shipped: Buffer;
      try {
        shipped = readFileSync(join(ROOT, f));
      } catch {
        return true;
      }
      return !shipped.equals(readFileSync(join(outRoot, f)));
    });
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  if (process.argv.includes('--check')) {
    const differing = checkAll();
    for (const f of differing) {
      console.error(`${f}: differs from a fresh build; run \`bun scripts/build-asm.ts\` and commit.`);
    }
    if (differing.length === 0) console.log(`build-asm: ${TARGETS.length} targets rebuild byte-identical`);
    process.exitCode = differing.length === 0 ? 0 : 1;
  } else {
    for (const f of buildAll(ROOT)) console.log(`wrote ${f}`);
  }
}
