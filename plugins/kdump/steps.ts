/**
 * Scenario steps: `kdump-load`, `crash`, `vmcore`, `host-dump` and `dumps-compare`. Dump paths that
 * are relative go into the run's output folder (`--out`), or a temporary folder without one.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { CommandError, hex, type Machine, type PluginStep, type StepContext } from '../../core/index.ts';
import { readKernelImage } from '../kexec/image.ts';
import { bootKernel } from '../kexec/kernel-boot.ts';
import { kexecSession } from '../kexec/session.ts';
import { readCoreMemory } from './core-reader.ts';
import { crashKexec } from './crash.ts';
import { kdumpLoad } from './load.ts';
import { crashText, dumpText } from './report.ts';
import { kdumpSession } from './session.ts';
import { writeHostDump, writeVmcore } from './vmcore.ts';

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const whole = (v: unknown): number | null =>
  typeof v === 'bigint' ? Number(v) : typeof v === 'number' && Number.isInteger(v) ? v : null;

function only(v: Record<string, unknown>, keys: string[], path: string, example: string): void {
  for (const k of Object.keys(v))
    if (!keys.includes(k))
      throw new CommandError(`${path}.${k}: unknown field; expected ${keys.join(', ')}, e.g. ${example}`);
}

/** Where a dump named in a step goes. */
export function dumpPath(path: string, ctx: StepContext): string {
  const file = isAbsolute(path) ? path : join(ctx.outDir ?? join(tmpdir(), 'sevlab-kdump'), path);
  mkdirSync(dirname(file), { recursive: true });
  return file;
}

const fail = (expected: string, actual: string) => ({ ok: false, expected, actual }) as const;

export const kdumpLoadStep: PluginStep<{ boot: string | null }> = {
  kind: 'kdump-load',
  summary:
    'load the crash kernel into the crashkernel= region (kexec -p), booting a test kernel first if asked',
  schema: {
    type: 'object',
    properties: { boot: { enum: ['a', 'b', 'A', 'B'], description: 'Boot this test kernel first.' } },
    additionalProperties: false,
  },
  parse(value, path) {
    if (value === null || value === undefined || value === true) return { boot: null };
    if (!isMap(value))
      throw new CommandError(`${path}: kdump-load takes a mapping, e.g. kdump-load: { boot: a }`);
    only(value, ['boot'], path, 'kdump-load: { boot: a }');
    const boot = value.boot;
    if (boot !== undefined && (typeof boot !== 'string' || !/^[abAB]$/.test(boot)))
      throw new CommandError(`${path}.boot: expected a or b (a test kernel), e.g. kdump-load: { boot: a }`);
    return { boot: boot === undefined ? null : boot };
  },
  run(v, machine, ctx) {
    if (v.boot !== null) {
      const f = readKernelImage(v.boot, ctx.baseDir, machine.config.memory);
      if (!f.ok) return fail('a kernel image', f.message);
      const b = bootKernel(machine, kexecSession(machine), f.file);
      if (b.kind === 'failed') return fail(`kernel ${v.boot} boots`, b.why);
    }
    const r = kdumpLoad(machine);
    if (r.kind === 'failed') return fail('the crash kernel loads', r.why);
    return { ok: true, note: `crash kernel at ${hex(r.loaded.region.base)}` };
  },
};

export const crashStep: PluginStep<{ cpu: number }> = {
  kind: 'crash',
  summary: 'panic the kernel on a CPU (sysrq-c, or the pending oops): NMI shoot-down, capture kernel boot',
  schema: {
    type: 'object',
    properties: { cpu: { type: 'integer', minimum: 0, description: 'The panicking CPU (default 0).' } },
    additionalProperties: false,
  },
  parse(value, path) {
    if (value === null || value === undefined || value === true) return { cpu: 0 };
    if (!isMap(value)) throw new CommandError(`${path}: crash takes a mapping, e.g. crash: { cpu: 1 }`);
    only(value, ['cpu'], path, 'crash: { cpu: 1 }');
    const cpu = value.cpu === undefined ? 0 : whole(value.cpu);
    if (cpu === null || cpu < 0)
      throw new CommandError(`${path}.cpu: expected a CPU number, e.g. crash: { cpu: 1 }`);
    return { cpu };
  },
  run(v, machine) {
    if (v.cpu >= machine.vcpus.length)
      return fail(`cpu${v.cpu} exists`, `cpus 0-${machine.vcpus.length - 1}`);
    const r = crashKexec(machine, v.cpu);
    return r.kind === 'captured' ? { ok: true, note: crashText(r) } : fail('the capture kernel runs', r.why);
  },
};

function pathStep(
  kind: string,
  summary: string,
  write: (m: Machine, path: string) => ReturnType<typeof writeVmcore>,
  remember: 'vmcore' | 'hostDump',
): PluginStep<string> {
  return {
    kind,
    summary,
    schema: { type: 'string', minLength: 1, description: 'File; relative paths go into the output folder.' },
    parse(value, path) {
      if (typeof value !== 'string' || value === '')
        throw new CommandError(`${path}: ${kind} takes a file name, e.g. ${kind}: ${kind}.core`);
      return value;
    },
    run(file, machine, ctx) {
      const r = write(machine, dumpPath(file, ctx));
      if (r.kind === 'failed') return fail(`${kind} is written`, r.why);
      kdumpSession(machine).written[remember] = r.path;
      // `sevlab run` lists the files steps wrote from these lines ("<what> written to <path>").
      machine.log.append({
        kind: 'log',
        vcpu: null,
        source: 'kdump',
        message: `${kind} written to ${r.path}`,
      });
      return { ok: true, note: dumpText(kind, r) };
    },
  };
}

export const vmcoreStep = pathStep(
  'vmcore',
  "write the crashed kernel's memory as an ELF core through the guest view (/proc/vmcore)",
  writeVmcore,
  'vmcore',
);
export const hostDumpStep = pathStep(
  'host-dump',
  "write the hypervisor's dump of the guest through its own mapping (ciphertext for private pages)",
  writeHostDump,
  'hostDump',
);

export const dumpsCompareStep: PluginStep<{ gpa: number; length: number; expect: 'same' | 'differ' }> = {
  kind: 'dumps-compare',
  summary: 'compare the bytes at a guest address in the vmcore and the host dump written before',
  schema: {
    type: 'object',
    required: ['gpa', 'expect'],
    properties: {
      gpa: { type: 'integer', minimum: 0 },
      length: { type: 'integer', minimum: 1, maximum: 4096 },
      expect: { enum: ['same', 'differ'] },
    },
    additionalProperties: false,
  },
  parse(value, path, machine) {
    const example = 'dumps-compare: { gpa: 0x1000000, length: 8, expect: differ }';
    if (!isMap(value)) throw new CommandError(`${path}: expected a mapping, e.g. ${example}`);
    only(value, ['gpa', 'length', 'expect'], path, example);
    const gpa = whole(value.gpa);
    if (gpa === null || gpa < 0)
      throw new CommandError(`${path}.gpa: expected a guest-physical address, e.g. ${example}`);
    const length = value.length === undefined ? 8 : whole(value.length);
    if (length === null || length < 1 || length > 4096)
      throw new CommandError(`${path}.length: expected 1 to 4096 bytes, e.g. ${example}`);
    if (value.expect !== 'same' && value.expect !== 'differ')
      throw new CommandError(`${path}.expect: expected same or differ, e.g. ${example}`);
    if (gpa + length > machine.memory)
      throw new CommandError(
        `${path}.gpa: 0x${gpa.toString(16)}+${length} lies beyond guest memory (0x${machine.memory.toString(16)} bytes)`,
      );
    return { gpa, length, expect: value.expect };
  },
  run(v, machine) {
    const { vmcore, hostDump } = kdumpSession(machine).written;
    if (!vmcore || !hostDump) return fail('a vmcore and a host dump written earlier', 'missing');
    const a = readCoreMemory(vmcore, v.gpa, v.length);
    const b = readCoreMemory(hostDump, v.gpa, v.length);
    if (!a.ok) return fail('the vmcore holds the address', a.why);
    if (!b.ok) return fail('the host dump holds the address', b.why);
    const show = (x: Uint8Array) => [...x].map((n) => n.toString(16).padStart(2, '0')).join(' ');
    const same = a.bytes.every((x, i) => x === b.bytes[i]);
    const actual = `vmcore ${show(a.bytes)}, host dump ${show(b.bytes)}`;
    return same === (v.expect === 'same') ? { ok: true, note: actual } : fail(`bytes ${v.expect}`, actual);
  },
};
