// scenarios/schema.json is generated from the schema definitions; CI fails when it is stale.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { Machine, machineConfig } from '../../core/index.ts';
import { SCHEMA_PATH, schemaText } from '../../scripts/gen-schema.ts';
import { scenarioJsonSchema } from '../../scripts/scenario/json-schema.ts';
import { CORE_STEPS, stepKinds } from '../../scripts/scenario/steps/registry.ts';
import poke from './fixtures/poke-plugin.ts';

type Json = { [k: string]: unknown };
const stepTitles = (schema: Json) =>
  ((((schema.properties as Json).steps as Json).items as Json).anyOf as Json[]).map((s) => s.title);

describe('scenarios/schema.json', () => {
  test('is current: `bun scripts/gen-schema.ts` regenerates it', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(schemaText());
  });
  test("is draft-07 and lists the core step kinds first, in table order, then the plugins' steps", () => {
    const schema = JSON.parse(schemaText()) as Json;
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(stepTitles(schema).slice(0, CORE_STEPS.length)).toEqual([
      'load',
      'regs',
      'run',
      'ipi',
      'inject-vc',
      'inject-interrupt',
      'vmgexit',
      'msr-protocol',
      'snapshot',
      'restore',
      'write-log',
      'dump-memory',
      'expect',
    ]);
    expect(Object.keys(schema.definitions as Json)).toEqual(['ghcb-fields', 'registers', 'value64']);
    expect((schema.properties as Json).machine).toMatchObject({
      type: 'object',
      additionalProperties: false,
    });
  });
  test("a plugin's step kinds join the schema with their own fragment", () => {
    const m = new Machine(machineConfig({ vcpus: 1, memory: 64 * 2 ** 20 }));
    m.plugins.use(poke, {});
    const schema = scenarioJsonSchema(stepKinds(m).values()) as Json;
    const items = (((schema.properties as Json).steps as Json).items as Json).anyOf as Json[];
    const entry = items.find((s) => s.title === 'poke')!;
    expect(entry.description).toBe('Write a little-endian value into guest memory (plugin poke)');
    expect(((entry.properties as Json).poke as Json).required).toEqual(['gpa', 'value']);
  });
});
