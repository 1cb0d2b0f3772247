/**
 * Blink-style assembly tests: a program written in GNU as syntax is assembled, linked at a fixed
 * address and turned into a flat binary at test time (as, ld, objcopy, nm), then run on a vCPU.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cpu, type CpuOptions, GuestMemory, type Platform } from '../../../core/index.ts';

export interface Assembled {
  bytes: Uint8Array;
  /** Symbol -> linked address. */
  sym: Record<string, number>;
}

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Assemble `source` (64-bit object: .code16/.code32 sections allowed) linked at `base`. */
export function assemble(source: string, base: number): Assembled {
  const dir = mkdtempSync(join(tmpdir(), 'sevlab-asm-'));
  try {
    writeFileSync(join(dir, 't.S'), source);
    run('as', ['--64', '-o', 't.o', 't.S'], dir);
    run(
      'ld',
      [
        '-m',
        'elf_x86_64',
        '-Ttext',
        `0x${base.toString(16)}`,
        '-e',
        `0x${base.toString(16)}`,
        '-o',
        't.elf',
        't.o',
      ],
      dir,
    );
    run('objcopy', ['-O', 'binary', '-j', '.text', 't.elf', 't.bin'], dir);
    const sym: Record<string, number> = {};
    for (const line of run('nm', ['t.elf'], dir).split('\n')) {
      const m = /^([0-9a-f]+) \w (\S+)$/.exec(line.trim());
      if (m) sym[m[2]!] = Number.parseInt(m[1]!, 16);
    }
    return { bytes: new Uint8Array(readFileSync(join(dir, 't.bin'))), sym };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Rig {
  cpu: Cpu;
  memory: GuestMemory;
  /** Port writes seen, in order. */
  outs: { port: number; size: number; value: number }[];
}

/** A vCPU over `size` bytes of RAM with a recording Platform (CPUID leaf 0 answers 'sevlab'). */
export function rig(opts: Partial<Omit<CpuOptions, 'memory' | 'platform'>> & { size?: number } = {}): Rig {
  const memory = new GuestMemory({ size: opts.size ?? 0x1000000 });
  const outs: Rig['outs'] = [];
  const platform: Platform = {
    cpuid: (leaf) =>
      leaf === 0 ? { eax: 0xd, ebx: 0x6c766573, ecx: 0x6261, edx: 0 } : { eax: 0, ebx: 0, ecx: 0, edx: 0 },
    rdmsr: (msr) => (msr === 0x1b ? 0xfee00900n : undefined),
    wrmsr: (msr) => msr === 0x1b,
    ioIn: () => 0x5a,
    ioOut: (port, size, value) => {
      outs.push({ port, size, value });
    },
    mmioRead: () => 0n,
    mmioWrite: () => {},
  };
  const cpu = new Cpu({
    memory,
    platform,
    sevEs: opts.sevEs ?? false,
    ...(opts.decodeCache ? { decodeCache: opts.decodeCache } : {}),
    ...(opts.vcDelivery ? { vcDelivery: opts.vcDelivery } : {}),
  });
  return { cpu, memory, outs };
}

/** Load a program and start it in real mode at 0000:base (the reset state otherwise). */
export function loadReal(r: Rig, a: Assembled, base: number): void {
  r.memory.write(base, a.bytes);
  r.cpu.setReg('cs', 0n);
  r.cpu.setReg('ip', BigInt(base));
}

export const hex = (v: bigint | number) => `0x${v.toString(16)}`;

/** 32-bit flat protected mode (no paging), as firmware leaves a CPU before long mode; GDT at 0x500. */
export function flat32(r: Rig, entry: number): void {
  const c = r.cpu;
  r.memory.write64(0x508, 0x00cf9a000000ffffn);
  r.memory.write64(0x510, 0x00cf92000000ffffn);
  c.gdtr = { base: 0x500n, limit: 0x17 };
  c.setReg('cr0', 0x11n);
  c.setSegment('cs', { selector: 0x08, base: 0n, limit: 0xffffffff, attributes: 0xc9b });
  for (const s of ['ds', 'es', 'ss', 'fs', 'gs']) {
    c.setSegment(s, { selector: 0x10, base: 0n, limit: 0xffffffff, attributes: 0xc93 });
  }
  c.setReg('eip', BigInt(entry));
  c.setReg('esp', 0x7000n);
}

/** Assemble 32-bit code at `base`, load it and enter it in flat 32-bit protected mode. */
export function run32(r: Rig, body: string, base = 0x1000): Assembled {
  const a = assemble(`\t.code32\n\t.globl _start\n_start:\n${body}\n`, base);
  r.memory.write(base, a.bytes);
  flat32(r, base);
  return a;
}
