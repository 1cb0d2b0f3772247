// scenarios/schema.json is generated from the schema definitions; CI fails when it is stale. A real
// draft-07 validator (ajv) accepts every scenario in the library and rejects the broken corpus files
// whose fault is one of shape.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv from 'ajv';
import { Glob } from 'bun';
import { parse } from 'yaml';
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

const root = join(import.meta.dir, '..', '..');
const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
const yamlFiles = (dir: string) =>
  [...new Glob('**/*.yaml').scanSync(join(root, dir))].sort().map((f) => join(dir, f));
const problems = (file: string): string[] =>
  validate(parse(readFileSync(join(root, file), 'utf8')))
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);

const scenarioFiles = yamlFiles('scenarios');

describe('scenarios/schema.json validates as draft-07 (ajv)', () => {
  test('the library has scenarios to validate', () => {
    expect(scenarioFiles.length).toBeGreaterThanOrEqual(60);
  });
  test.each(scenarioFiles)('accepts %s', (file) => {
    expect(problems(file)).toEqual([]);
  });

  test('a ghcb expectation takes vcpu beside the GHCB fields', () => {
    const doc = { name: 'g', steps: [{ expect: { ghcb: { vcpu: 0, sw_exit_info_1: 2 } } }] };
    expect(validate(doc)).toBe(true);
    const wrong = { name: 'g', steps: [{ expect: { ghcb: { vcpu: 0, sw_exit_info1: 2 } } }] };
    expect(validate(wrong)).toBe(false);
  });
  test('a register value is bounded by the register width', () => {
    const regs = (r: Record<string, unknown>) => ({ name: 'r', steps: [{ regs: { vcpu: 0, ...r } }] });
    expect(validate(regs({ al: 0xff, ax: 0xffff, eax: 0xffffffff, cr8: 15 }))).toBe(true);
    expect(validate(regs({ al: 0x100 }))).toBe(false);
    expect(validate(regs({ eax: 0x1_0000_0000 }))).toBe(false);
    expect(validate(regs({ cr8: 16 }))).toBe(false);
  });
});

/**
 * Broken corpus files whose fault needs more than the file's shape: the machine (memory size, vCPU
 * count, the GHCB pages' fit), the file system, plugin modules, earlier steps, the event kind's own
 * fields, YAML syntax, or a number form the JSON Schema pattern admits. The schema accepts these (or
 * the YAML does not parse); every other broken file must be rejected by the schema.
 */
const BEYOND_SHAPE: Record<string, string> = {
  'address-outside-memory.yaml': 'machine.memory',
  'artifact-outside.yaml': 'the output folder',
  'duplicate-key.yaml': 'YAML syntax',
  'file-is-folder.yaml': 'file system',
  'machine-cannot-be-built.yaml': 'machine layout',
  'missing-file.yaml': 'file system',
  'missing-plugin-module.yaml': 'file system',
  'plugin-option-misspelt.yaml': 'plugin options (each plugin lists its own)',
  'plugin-step-address-outside.yaml': 'machine.memory',
  'plugin-setup-throws.yaml': 'plugin options',
  'range-past-end.yaml': 'machine.memory',
  'restore-unknown.yaml': 'earlier steps',
  'tab-indent.yaml': 'YAML syntax',
  'unknown-event-field.yaml': "the event kind's fields",
  'unknown-plugin.yaml': 'plugin names are open',
  'vcpu-out-of-range.yaml': 'machine.vcpus',
  'yaml-syntax.yaml': 'YAML syntax',
};
const brokenFiles = yamlFiles(relative(root, join(import.meta.dir, 'broken')));
const shapeBroken = brokenFiles.filter((f) => !Object.hasOwn(BEYOND_SHAPE, f.split('/').pop()!));

describe('scenarios/schema.json rejects the broken corpus files that are broken in shape', () => {
  test('every listed exception is in the corpus, and most of the corpus is a shape fault', () => {
    const names = brokenFiles.map((f) => f.split('/').pop()!);
    for (const name of Object.keys(BEYOND_SHAPE)) expect(names).toContain(name);
    expect(shapeBroken.length).toBeGreaterThanOrEqual(26);
  });
  test.each(shapeBroken)('rejects %s', (file) => {
    expect(problems(file).length).toBeGreaterThan(0);
  });
});
