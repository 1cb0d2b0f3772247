/**
 * Writes scenarios/schema.json from the scenario schema definitions (scripts/scenario/), the core
 * steps and every built-in plugin's steps. `--check` only compares and exits 1 when the file is stale
 * (the scenario tests run the same comparison).
 *
 * Plugin steps: a plugin adds a step kind in `setup(api)` with `api.addStep({ kind, summary, schema,
 * parse, run })`, where `schema` is the JSON Schema of the step's value. To reach schema.json the
 * plugin must be registered in plugins/index.ts (`builtinPlugins`) and its setup must accept empty
 * options, since the generator loads each built-in plugin into a default machine with `{}` to collect
 * its steps. Then run `bun scripts/gen-schema.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine, machineConfig } from '../core/index.ts';
import { builtinPlugins } from '../plugins/index.ts';
import { scenarioJsonSchema } from './scenario/json-schema.ts';
import { stepKinds } from './scenario/steps/registry.ts';

export const SCHEMA_PATH = join(import.meta.dir, '..', 'scenarios', 'schema.json');

/** The text schema.json should hold. */
export function schemaText(): string {
  const machine = new Machine(machineConfig());
  for (const [name, plugin] of Object.entries(builtinPlugins)) {
    try {
      machine.plugins.use(plugin, {}, `built-in ${name}`);
    } catch (e) {
      throw new Error(`built-in plugin ${name} does not set up with empty options: ${(e as Error).message}`);
    }
  }
  return `${JSON.stringify(scenarioJsonSchema(stepKinds(machine).values()), null, 2)}\n`;
}

if (import.meta.main) {
  const want = schemaText();
  if (process.argv.includes('--check')) {
    let have = '';
    try {
      have = readFileSync(SCHEMA_PATH, 'utf8');
    } catch {}
    if (have !== want) {
      console.error('scenarios/schema.json is stale: run `bun scripts/gen-schema.ts`');
      process.exit(1);
    }
    console.log('scenarios/schema.json is current');
  } else {
    writeFileSync(SCHEMA_PATH, want);
    console.log(`wrote ${SCHEMA_PATH}`);
  }
}
