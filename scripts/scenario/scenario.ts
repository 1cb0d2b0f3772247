/**
 * A scenario file read, validated and turned into a ready machine: the whole file is checked (YAML,
 * sections, machine, plugins, every step) before anything runs, so bad input gives one
 * `file:line:column` message and no partial run.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Machine, type MachineConfig, type Plugin, unknownOption } from '../../core/index.ts';
import { hypervisorSection, machineSection, toMachineConfig } from './machine-section.ts';
import { pluginsSection, resolvePlugin } from './plugins.ts';
import { arr, describe, type Infer, obj, type ParseContext, raw, str } from './schema/dsl.ts';
import { describeValue, didYouMean, formatPath, listOf, type Path, SchemaError } from './schema/path.ts';
import { type Diagnostic, ScenarioSource } from './source.ts';
import { type StepKind, stepKinds } from './steps/registry.ts';

/** The top level. `steps` is checked in a second pass, once the machine and its plugins exist. */
export const scenarioHeader = obj({
  required: {
    name: describe(str(), 'What the scenario shows, in a few words.'),
    steps: describe(raw('a list of steps', { type: 'array' }), 'What happens, in order.'),
  },
  optional: {
    description: describe(str(), 'What the scenario shows and why (shown by `sevlab run --json`).'),
    machine: describe(machineSection, 'The VM: vCPUs, memory, SEV mode, seed, firmware layout.'),
    hypervisor: describe(
      hypervisorSection,
      'The hypervisor: GHCB protocol range, C-bit, hostile behaviours.',
    ),
    plugins: pluginsSection,
  },
});

export interface ScenarioStep {
  index: number;
  kind: string;
  value: unknown;
  line: number;
  column: number;
  run: StepKind['run'];
}

export interface Scenario {
  file: string;
  name: string;
  description: string;
  config: MachineConfig;
  boot: boolean;
  steps: ScenarioStep[];
}

export type Prepared = { ok: true; scenario: Scenario; machine: Machine } | { ok: false; error: Diagnostic };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A SchemaError as `path: message`, located in the file. */
const diagnose = (src: ScenarioSource, e: SchemaError): Diagnostic =>
  src.diagnostic(e.path, `${formatPath(e.path)}: ${e.message}`, e.at);

function parseSteps(
  src: ScenarioSource,
  list: unknown,
  kinds: Map<string, StepKind>,
  ctx: ParseContext,
): ScenarioStep[] {
  const names = [...kinds.keys()];
  const steps = arr(raw('a step', {}), { min: 1 }).parse(list, ['steps'], ctx);
  return steps.map((item, index) => {
    const path: Path = ['steps', index];
    const entry = typeof item === 'string' ? { [item]: null } : item;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new SchemaError(
        path,
        `got ${describeValue(item)}; expected one step such as \`run: {until: idle}\``,
      );
    const keys = Object.keys(entry);
    if (keys.length !== 1)
      throw new SchemaError(
        keys.length ? [...path, keys[1]!] : path,
        keys.length
          ? `a step has exactly one kind, got ${keys.join(' and ')}; expected a new list entry (-) for each step`
          : `the step is empty; expected one of ${listOf(names, 40)}`,
        keys.length ? 'key' : 'value',
      );
    const kind = keys[0]!;
    const step = kinds.get(kind);
    if (!step)
      throw new SchemaError(
        [...path, kind],
        `unknown step '${kind}'${didYouMean(kind, names)}; expected one of ${listOf(names, 40)}`,
        typeof item === 'string' ? 'value' : 'key',
      );
    const value = step.parse((entry as Record<string, unknown>)[kind], [...path, kind], ctx);
    return { index, kind, value, ...src.locate(path), run: step.run };
  });
}

export interface PrepareOptions {
  /** --seed: overrides the file's machine.seed. */
  seed?: number;
  /** The file's text, when it is not to be read from disk. */
  text?: string;
  /** --plugin: plugins loaded after the file's own, by built-in name or absolute module path. */
  plugins?: readonly string[];
}

/** Reads and checks a scenario file and builds its machine (not yet booted). `seed` overrides the file's. */
export async function prepareScenario(file: string, opts: PrepareOptions = {}): Promise<Prepared> {
  let text: string;
  try {
    text = opts.text ?? readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, error: { file, line: 1, column: 1, message: `cannot read the file: ${message(e)}` } };
  }
  const parsed = ScenarioSource.parse(file, text);
  if (!parsed.ok) return parsed;
  const src = parsed.source;
  const baseDir = dirname(resolve(file));
  try {
    if (parsed.value === null || parsed.value === undefined)
      throw new SchemaError([], 'the file is empty; expected a scenario with name and steps');
    const ctx0: ParseContext = { memory: 0, vcpus: 0, baseDir, snapshots: new Set() };
    const head: Infer<typeof scenarioHeader> = scenarioHeader.parse(parsed.value, [], ctx0);
    const config = toMachineConfig(head.machine, head.hypervisor, opts.seed);
    let machine: Machine;
    try {
      machine = new Machine(config);
    } catch (e) {
      throw new SchemaError(['machine'], `this machine cannot be built: ${message(e)}`);
    }
    for (const [i, use] of (head.plugins ?? []).entries()) {
      const r = await resolvePlugin(use.name, baseDir);
      if (!r.ok) throw new SchemaError(['plugins', i], r.message);
      const unknown = unknownOption(r.plugin as Plugin<never>, use.options);
      if (unknown) {
        const names = r.plugin.optionKeys ?? [];
        throw new SchemaError(
          ['plugins', i, 'options', unknown.key],
          `plugin ${r.plugin.name} has no option '${unknown.key}'${didYouMean(unknown.key, names)}; ` +
            (names.length ? `expected one of ${listOf(names)}` : 'it takes no options'),
          'key',
        );
      }
      try {
        machine.plugins.use(r.plugin, use.options, r.source);
      } catch (e) {
        throw new SchemaError(['plugins', i], message(e));
      }
    }
    for (const spec of opts.plugins ?? []) {
      const r = await resolvePlugin(spec, process.cwd());
      if (!r.ok) throw new SchemaError([], `--plugin ${spec}: ${r.message}`);
      try {
        machine.plugins.use(r.plugin, {}, r.source);
      } catch (e) {
        throw new SchemaError([], `--plugin ${spec}: ${message(e)}`);
      }
    }
    const ctx: ParseContext = { memory: config.memory, vcpus: config.vcpus, baseDir, snapshots: new Set() };
    const steps = parseSteps(src, head.steps, stepKinds(machine), ctx);
    return {
      ok: true,
      machine,
      scenario: {
        file,
        name: head.name,
        description: head.description ?? '',
        config,
        boot: head.machine?.boot ?? true,
        steps,
      },
    };
  } catch (e) {
    if (e instanceof SchemaError) return { ok: false, error: diagnose(src, e) };
    return {
      ok: false,
      error: { file, line: 1, column: 1, message: `cannot load the scenario: ${message(e)}` },
    };
  }
}
