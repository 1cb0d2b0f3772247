/**
 * One table of step kinds: the core steps (schema-builder schemas) and the steps plugins add through
 * `api.addStep` (a JSON Schema fragment and a `parse(value, path)` function). A plugin's parse reports a
 * bad field by throwing an Error whose message starts with the path it was given, extended to the
 * field (`steps[3].kexec.file: ...`); that path is what the file:line:column points at.
 */
import type { Machine, PluginStep, StepOutcome } from '../../../core/index.ts';
import { expectStep } from '../expect/index.ts';
import type { JsonSchema, ParseContext } from '../schema/dsl.ts';
import { formatPath, type Path, SchemaError } from '../schema/path.ts';
import { dumpMemoryStep, writeLogStep } from './artifacts.ts';
import { injectInterruptStep } from './inject-interrupt.ts';
import { injectVcStep } from './inject-vc.ts';
import { ipiStep } from './ipi.ts';
import { loadStep } from './load.ts';
import { msrProtocolStep } from './msr-protocol.ts';
import { regsStep } from './regs.ts';
import { runStep } from './run.ts';
import { restoreStep, snapshotStep } from './snapshot.ts';
import type { CoreStep, RunContext } from './step.ts';
import { vmgexitStep } from './vmgexit.ts';

export interface StepKind {
  kind: string;
  summary: string;
  /** 'core' or the plugin that added it. */
  owner: string;
  json(): JsonSchema;
  parse(value: unknown, path: Path, ctx: ParseContext): unknown;
  run(value: unknown, machine: Machine, ctx: RunContext): StepOutcome | Promise<StepOutcome>;
}

/** The core steps, in the order the schema and `--help` list them. */
export const CORE_STEPS: readonly CoreStep<unknown>[] = [
  loadStep,
  regsStep,
  runStep,
  ipiStep,
  injectVcStep,
  injectInterruptStep,
  vmgexitStep,
  msrProtocolStep,
  snapshotStep,
  restoreStep,
  writeLogStep,
  dumpMemoryStep,
  expectStep,
];

const fromCore = (s: CoreStep<unknown>): StepKind => ({
  kind: s.kind,
  summary: s.summary,
  owner: 'core',
  json: () => s.schema.json(),
  parse: (value, path, ctx) => s.schema.parse(value, path, ctx),
  run: (value, machine, ctx) => s.run(value, machine, ctx),
});

const SUB_PATH = /^((?:\.[A-Za-z0-9_-]+|\[\d+\])*)\s*:\s*([\s\S]*)$/;

/** Turns a plugin parse error into a SchemaError at the field its message names. */
export function pluginParseError(e: unknown, path: Path): SchemaError {
  const message = e instanceof Error ? e.message : String(e);
  const prefix = formatPath(path);
  const m = message.startsWith(prefix) ? SUB_PATH.exec(message.slice(prefix.length)) : null;
  if (!m) return new SchemaError(path, message);
  const sub = [...m[1]!.matchAll(/\.([A-Za-z0-9_-]+)|\[(\d+)\]/g)].map(
    (x) => (x[1] ?? Number(x[2])) as string | number,
  );
  // An unknown key is reported where the key is written; anything else at the field's value.
  const at = /^unknown (key|field)\b/.test(m[2]!) ? 'key' : 'value';
  return new SchemaError([...path, ...sub], m[2]!, at);
}

export const fromPlugin = (s: PluginStep<unknown> & { owner: string }): StepKind => ({
  kind: s.kind,
  summary: s.summary,
  owner: s.owner,
  json: () => s.schema,
  parse(value, path, ctx) {
    try {
      return s.parse(value, formatPath(path), { memory: ctx.memory, vcpus: ctx.vcpus });
    } catch (e) {
      throw pluginParseError(e, path);
    }
  },
  run: (value, machine, ctx) => s.run(value, machine, ctx),
});

/** Core steps plus the steps of the plugins loaded into `machine`. */
export function stepKinds(machine: Machine | null): Map<string, StepKind> {
  const kinds = new Map(CORE_STEPS.map((s) => [s.kind, fromCore(s)]));
  for (const s of machine?.plugins.steps.values() ?? []) kinds.set(s.kind, fromPlugin(s));
  return kinds;
}
