/**
 * Small 64-bit test guests assembled at test time (as, ld): boot64.inc takes the BSP from real mode to
 * 64-bit mode, then `test_code` runs. Labels in the snippet are read back from the symbol table.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine, machineConfig } from '../../../../core/index.ts';
import { loadKernelSegments, readKernelElf } from '../../../../plugins/kexec/index.ts';

const HERE = import.meta.dir;

const LDS = `ENTRY(startup_16)
PHDRS { image PT_LOAD FLAGS(7); }
regfile = 0x08000000;
SECTIONS {
  . = 0x10000;
  .text : { *(.text16) *(.text) } :image
  .rodata : { *(.rodata*) } :image
  .data : { *(.data) } :image
  .pgtable : ALIGN(4096) { *(.pgtable) } :image
  .bss : { *(.bss) } :image
  /DISCARD/ : { *(.note*) }
}
`;

function tool(cmd: string, args: readonly string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr ?? r.error}`);
}

export interface TestGuest {
  bytes: Uint8Array;
  sym(name: string): number;
}

/** Assembles `body` (GNU as, AT&T syntax, 64-bit) as `test_code` after the boot path. */
export function assembleGuest(body: string): TestGuest {
  const work = mkdtempSync(join(tmpdir(), 'sevlab-mmio-guest-'));
  try {
    writeFileSync(
      join(work, 'guest.S'),
      `\t.include "boot64.inc"\n\t.text\n\t.globl test_code\ntest_code:\n${body}\n`,
    );
    writeFileSync(join(work, 'guest.lds'), LDS);
    tool('as', ['--64', '-I', HERE, '-o', 'guest.o', 'guest.S'], work);
    tool(
      'ld',
      [
        '-m',
        'elf_x86_64',
        '--build-id=none',
        '--no-warn-rwx-segments',
        '-T',
        'guest.lds',
        '-o',
        'guest.elf',
        'guest.o',
      ],
      work,
    );
    const bytes = new Uint8Array(readFileSync(join(work, 'guest.elf')));
    const r = readKernelElf(bytes);
    if (r.kind === 'error') throw new Error(r.message);
    const image = r.image;
    return {
      bytes,
      sym: (name) => {
        const s = image.symbols.find((x) => x.name === name);
        if (!s) throw new Error(`no symbol ${name} in the test guest`);
        return s.value;
      },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A booted one-vCPU machine (plus `vcpus - 1` APs) with the guest loaded and the BSP at startup_16. */
export function guestMachine(guest: TestGuest, config: Parameters<typeof machineConfig>[0] = {}): Machine {
  const m = new Machine(
    machineConfig({
      vcpus: 1,
      memory: 64 * 2 ** 20,
      devices: { regfile: { base: 0x0800_0000, size: 0x1000 } },
      ...config,
    }),
  );
  m.boot();
  const r = readKernelElf(guest.bytes);
  if (r.kind === 'error') throw new Error(r.message);
  loadKernelSegments(m.memory, guest.bytes, r.image);
  const cpu = m.vcpu(0).cpu;
  cpu.setReg('cs', 0x1000);
  cpu.setReg('rip', 0);
  return m;
}

/** Runs until the BSP is about to execute the instruction at `label`. */
export function runTo(m: Machine, guest: TestGuest, label: string): void {
  const cpu = m.vcpu(0).cpu;
  const hook = cpu.addCodeHook(guest.sym(label), () => 'stop');
  const stop = m.run({ maxInstructions: 100_000 });
  cpu.removeHook(hook);
  if (stop.kind !== 'breakpoint')
    throw new Error(`expected to stop at ${label}, got ${JSON.stringify(stop)}`);
}
