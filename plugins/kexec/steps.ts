/**
 * Scenario steps. Each value is a short form (a kernel name, a CPU number) or a mapping with what
 * to expect; `fails` expects the real system's failure and passes when the step fails with that text.
 */
import type { Machine, PluginStep, StepOutcome } from '../../core/index.ts';
import { BLOB_ERRORS } from '../jump-table/index.ts';
import {
  type ActionOutcome,
  blobLoadAction,
  bootAction,
  hotplugAction,
  kexecExecAction,
  kexecLoadAction,
} from './actions.ts';
import { KEXEC_REFUSAL, type KexecRefusalReason, kexecSupported } from './kexec-load.ts';
import { vcpuStates } from './run-until.ts';
import { kexecSession } from './session.ts';

interface Expect {
  /** CPUs online afterwards (default: every CPU for boot and kexec-exec). */
  online?: number;
  /** The step must fail, with this text in its message. */
  fails?: string;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** YAML integers may arrive as bigint; small ones become numbers, everything else is left alone. */
const num = (v: unknown): unknown =>
  typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= 0n ? Number(v) : v;
const show = (v: unknown): string => (typeof v === 'bigint' ? v.toString() : JSON.stringify(v));

function keys(v: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(v))
    if (!allowed.includes(k))
      throw new Error(`${path}.${k}: unknown key; expected one of ${allowed.join(', ')}`);
}

function parseExpect(v: Record<string, unknown>, path: string): Expect {
  const out: Expect = {};
  const online = num(v.online);
  if (online !== undefined) {
    if (!Number.isInteger(online) || (online as number) < 0)
      throw new Error(`${path}.online: got ${show(online)}; expected a CPU count such as 4`);
    out.online = online as number;
  }
  if (v.fails !== undefined) {
    if (typeof v.fails !== 'string' || v.fails === '')
      throw new Error(`${path}.fails: expected the text the failure must contain, e.g. "triple fault"`);
    out.fails = v.fails;
  }
  return out;
}

function kernelName(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '')
    throw new Error(`${path}: got ${JSON.stringify(v)}; expected a kernel: a, b, c or a path to an ELF file`);
  return v;
}

function judge(r: ActionOutcome, e: Expect, all: number): StepOutcome {
  if (e.fails !== undefined) {
    if (!r.ok && r.text.includes(e.fails)) return { ok: true, note: r.text };
    return {
      ok: false,
      expected: `a failure with "${e.fails}"`,
      actual: r.ok ? `success: ${r.text}` : r.text,
    };
  }
  if (!r.ok) return { ok: false, expected: 'success', actual: r.text };
  const want = e.online ?? all;
  if (r.online !== undefined && r.online !== want)
    return { ok: false, expected: `${want} CPUs online`, actual: r.text };
  return { ok: true, note: r.text };
}

const EXPECT_SCHEMA = {
  online: { type: 'integer', minimum: 0, description: 'CPUs online afterwards (default: all)' },
  fails: { type: 'string', description: 'expect a failure whose message contains this text' },
};

const kernelSchema = {
  type: 'string',
  description: 'a, b, c or a path to a kernel ELF (relative to the scenario)',
};

type KernelStep = Expect & { kernel: string };

function parseKernelStep(
  value: unknown,
  path: string,
  extra: readonly string[] = [],
): Record<string, unknown> & KernelStep {
  if (typeof value === 'string') return { kernel: kernelName(value, path) };
  if (!isMap(value)) throw new Error(`${path}: expected a kernel name or a mapping with 'kernel'`);
  keys(value, path, ['kernel', 'online', 'fails', ...extra]);
  return { ...value, kernel: kernelName(value.kernel, `${path}.kernel`), ...parseExpect(value, path) };
}

export const bootStep: PluginStep<KernelStep> = {
  kind: 'boot',
  summary: 'boot a kernel: firmware parks the APs, the loader enters the kernel, SMP bring-up, blob install',
  schema: {
    oneOf: [
      kernelSchema,
      {
        type: 'object',
        additionalProperties: false,
        required: ['kernel'],
        properties: { kernel: kernelSchema, ...EXPECT_SCHEMA },
      },
    ],
  },
  parse: (value, path) => parseKernelStep(value, path),
  run: (v, m, ctx) => judge(bootAction(m, v.kernel, ctx.baseDir), v, m.vcpus.length),
};

type LoadStep = KernelStep & { force?: boolean; refused?: KexecRefusalReason };
const REASONS = Object.keys(KEXEC_REFUSAL) as KexecRefusalReason[];

export const kexecLoadStep: PluginStep<LoadStep> = {
  kind: 'kexec-load',
  summary: 'kexec_load: stage the next kernel, or expect -ENOSYS with a reason (refused)',
  schema: {
    oneOf: [
      kernelSchema,
      {
        type: 'object',
        additionalProperties: false,
        required: ['kernel'],
        properties: {
          kernel: kernelSchema,
          force: { type: 'boolean', description: 'load even where the kernel refuses (to show why it does)' },
          refused: { enum: REASONS, description: 'expect -ENOSYS for this reason' },
          fails: EXPECT_SCHEMA.fails,
        },
      },
    ],
  },
  parse(value, path) {
    const v = parseKernelStep(value, path, ['force', 'refused']);
    if (v.force !== undefined && typeof v.force !== 'boolean')
      throw new Error(`${path}.force: expected true or false`);
    if (v.refused !== undefined && !REASONS.includes(v.refused as KexecRefusalReason))
      throw new Error(
        `${path}.refused: got ${JSON.stringify(v.refused)}; expected one of ${REASONS.join(', ')}`,
      );
    return v as LoadStep;
  },
  run(v, m, ctx) {
    if (v.refused !== undefined) {
      const check = kexecSupported(m, kexecSession(m));
      if (!check.ok && check.reason === v.refused) {
        const r = kexecLoadAction(m, v.kernel, ctx.baseDir, false);
        return r.ok ? { ok: false, expected: check.message, actual: r.text } : { ok: true, note: r.text };
      }
      return {
        ok: false,
        expected: `-ENOSYS: ${KEXEC_REFUSAL[v.refused]}`,
        actual: check.ok ? `allowed: ${check.why}` : check.message,
      };
    }
    return judge(kexecLoadAction(m, v.kernel, ctx.baseDir, v.force === true), v, m.vcpus.length);
  },
};

function parseExpectOnly(value: unknown, path: string): Expect {
  if (value === null || value === undefined || value === true) return {};
  if (!isMap(value)) throw new Error(`${path}: expected {} or a mapping with online / fails`);
  keys(value, path, ['online', 'fails']);
  return parseExpect(value, path);
}

export const kexecExecStep: PluginStep<Expect> = {
  kind: 'kexec-exec',
  summary: 'kexec -e: stop the APs (park), hand over on the BSP, the new kernel wakes the APs',
  schema: {
    oneOf: [{ type: 'null' }, { type: 'object', additionalProperties: false, properties: EXPECT_SCHEMA }],
  },
  parse: parseExpectOnly,
  run: (v, m) => judge(kexecExecAction(m), v, m.vcpus.length),
};

type CpuStep = { cpu: number; fails?: string };

function hotplugStep(kind: 'cpu-offline' | 'cpu-online', dir: 'down' | 'up'): PluginStep<CpuStep> {
  return {
    kind,
    summary: dir === 'down' ? 'take a CPU offline: play_dead parks it' : 'bring a parked CPU back online',
    schema: {
      oneOf: [
        { type: 'integer', minimum: 0 },
        {
          type: 'object',
          additionalProperties: false,
          required: ['cpu'],
          properties: { cpu: { type: 'integer', minimum: 0 }, fails: EXPECT_SCHEMA.fails },
        },
      ],
    },
    parse(value, path) {
      const map = isMap(value) ? { ...value, cpu: num(value.cpu) } : { cpu: num(value) };
      keys(map, path, ['cpu', 'fails']);
      const cpuPath = isMap(value) ? `${path}.cpu` : path;
      if (!Number.isInteger(map.cpu) || (map.cpu as number) < 0)
        throw new Error(`${cpuPath}: got ${show(map.cpu)}; expected a CPU number such as 2`);
      return { cpu: map.cpu as number, ...parseExpect(map, path) };
    },
    run: (v, m) => {
      const r = hotplugAction(m, v.cpu, dir);
      if (v.fails !== undefined) return judge(r, { fails: v.fails }, m.vcpus.length);
      return r.ok ? { ok: true, note: r.text } : { ok: false, expected: 'success', actual: r.text };
    },
  };
}

export const cpuOfflineStep = hotplugStep('cpu-offline', 'down');
export const cpuOnlineStep = hotplugStep('cpu-online', 'up');

type BlobStep = { file: string; error?: string };

export const blobStep: PluginStep<BlobStep> = {
  kind: 'blob',
  summary: 'use your own parking blob: validated, then installed like the shipped one',
  schema: {
    oneOf: [
      { type: 'string' },
      {
        type: 'object',
        additionalProperties: false,
        required: ['file'],
        properties: { file: { type: 'string' }, error: { enum: [...BLOB_ERRORS] } },
      },
    ],
  },
  parse(value, path) {
    const map = isMap(value) ? value : { file: value };
    keys(map, path, ['file', 'error']);
    if (typeof map.file !== 'string' || map.file === '')
      throw new Error(`${isMap(value) ? `${path}.file` : path}: expected a path to a blob file`);
    if (map.error !== undefined && !(BLOB_ERRORS as readonly unknown[]).includes(map.error))
      throw new Error(
        `${path}.error: got ${JSON.stringify(map.error)}; expected one of ${BLOB_ERRORS.join(', ')}`,
      );
    return map as BlobStep;
  },
  run(v, m, ctx) {
    const r = blobLoadAction(m, v.file, ctx.baseDir);
    if (v.error === undefined)
      return r.ok ? { ok: true, note: r.text } : { ok: false, expected: 'a valid blob', actual: r.text };
    if (!r.ok && r.error === v.error) return { ok: true, note: r.text };
    return {
      ok: false,
      expected: `the blob refused with ${v.error}`,
      actual: r.ok ? `accepted: ${r.text}` : r.text,
    };
  },
};

/** A hostile hypervisor wakes a parked AP without a SIPI (result 0): the AP must hold again. */
export const spuriousWakeStep: PluginStep<{ vcpu: number }> = {
  kind: 'spurious-wake',
  summary: 'hostile: release an AP reset hold without a SIPI (result 0), then run until it holds again',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['vcpu'],
    properties: { vcpu: { type: 'integer', minimum: 0 } },
  },
  parse(value, path) {
    if (!isMap(value)) throw new Error(`${path}: expected { vcpu: N }`);
    keys(value, path, ['vcpu']);
    const vcpu = num(value.vcpu);
    if (!Number.isInteger(vcpu) || (vcpu as number) < 0)
      throw new Error(`${path}.vcpu: got ${show(vcpu)}; expected a vCPU number`);
    return { vcpu: vcpu as number };
  },
  run: (v, m) => spuriousWake(m, v.vcpu),
};

function spuriousWake(m: Machine, index: number): StepOutcome {
  if (!m.hv.config.hostile.spuriousHoldRelease)
    return {
      ok: false,
      expected: 'hypervisor.hostile.spurious-hold-release: true',
      actual: 'a well-behaved hypervisor',
    };
  const v = m.vcpu(index);
  if (v.state !== 'ap-reset-hold')
    return { ok: false, expected: `cpu${index} in ap-reset-hold`, actual: `cpu${index} is ${v.state}` };
  m.hv.spuriousWake(v);
  const stop = m.run({ maxInstructions: 10_000, only: [index], until: () => v.state === 'ap-reset-hold' });
  if (stop.kind === 'until') return { ok: true, note: `cpu${index} held again after a result-0 release` };
  return { ok: false, expected: `cpu${index} holds again`, actual: `${stop.kind}; vCPUs: ${vcpuStates(m)}` };
}
