/** A booted SEV-ES machine running test kernel A, with kdump loaded, and the binutils/gdb oracles. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine, machineConfig } from '../../../core/index.ts';
import { kdumpPlugin } from '../../../plugins/kdump/index.ts';
import { kdumpLoad } from '../../../plugins/kdump/load.ts';
import { readKernelImage } from '../../../plugins/kexec/image.ts';
import { bootKernel } from '../../../plugins/kexec/kernel-boot.ts';
import { kexecSession } from '../../../plugins/kexec/session.ts';

/** GHCBs at 48 MiB: kernel A lives at 16 MiB, kernel B at 32 MiB, the crashkernel region at 64 MiB. */
export const GHCB_BASE = 0x300_0000;

export function bootedMachine(
  opts: {
    vcpus?: number;
    sev?: 'es' | 'none';
    crashkernel?: string;
    park?: boolean;
    smp?: boolean;
    protocolMax?: number;
  } = {},
): Machine {
  const m = new Machine(
    machineConfig({
      vcpus: opts.vcpus ?? 4,
      memory: 256 * 2 ** 20,
      sev: opts.sev ?? 'es',
      ghcbBase: GHCB_BASE,
      ...(opts.protocolMax ? { hypervisor: { protocolMax: opts.protocolMax } } : {}),
    }),
  );
  m.plugins.use(kdumpPlugin, {
    ...(opts.crashkernel ? { crashkernel: opts.crashkernel } : {}),
    ...(opts.park ? { park: true } : {}),
    ...(opts.smp ? { smp: true } : {}),
  });
  const f = readKernelImage('a', '.', m.config.memory);
  if (!f.ok) throw new Error(f.message);
  const b = bootKernel(m, kexecSession(m), f.file);
  if (b.kind !== 'booted') throw new Error(b.why);
  return m;
}

export function loadedMachine(opts: Parameters<typeof bootedMachine>[0] = {}): Machine {
  const m = bootedMachine(opts);
  const r = kdumpLoad(m);
  if (r.kind !== 'loaded') throw new Error(r.why);
  return m;
}

export const scratchDir = (): string => mkdtempSync(join(tmpdir(), 'sevlab-kdump-test-'));

export function tool(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw new Error(`${cmd} could not run (${r.error.message}): install binutils and gdb`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** `x/8xb ADDR` through gdb on a core file: the eight bytes gdb prints. */
export function gdbBytes(core: string, gpa: number, count = 8): number[] {
  const out = tool('gdb', [
    '-batch',
    '-nx',
    '-ex',
    `core-file ${core}`,
    '-ex',
    `x/${count}xb 0x${gpa.toString(16)}`,
  ]);
  const line = out.split('\n').find((l) => l.startsWith(`0x${gpa.toString(16)}:`));
  if (!line) throw new Error(`gdb printed no memory line for 0x${gpa.toString(16)}:\n${out}`);
  return line
    .split('\t')
    .slice(1)
    .map((b) => Number.parseInt(b, 16));
}

/** Every thread's registers as gdb reads them from the NT_PRSTATUS notes, by LWP (pr_pid). */
export function gdbRegisters(core: string, names: readonly string[]): Map<number, Record<string, bigint>> {
  const out = tool('gdb', [
    '-batch',
    '-nx',
    '-ex',
    `core-file ${core}`,
    '-ex',
    `thread apply all info registers ${names.join(' ')}`,
  ]);
  const threads = new Map<number, Record<string, bigint>>();
  let current: Record<string, bigint> | null = null;
  for (const line of out.split('\n')) {
    const t = /^Thread \d+ \(LWP (\d+)\)/.exec(line);
    if (t) {
      current = {};
      threads.set(Number(t[1]), current);
      continue;
    }
    const r = /^(\w+)\s+(0x[0-9a-f]+)/.exec(line);
    if (r && current) current[r[1]!] = BigInt(r[2]!);
  }
  return threads;
}
