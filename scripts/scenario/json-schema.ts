/**
 * The JSON Schema of a scenario file (draft-07, which the YAML language server reads), made from the
 * same schema-builder definitions that validate scenarios, plus one entry per step kind: the core
 * steps and the steps of the given plugins (their `PluginStep.schema` fragments).
 */

import { scenarioHeader } from './scenario.ts';
import { type JsonSchema, withDefinitions } from './schema/dsl.ts';
import type { StepKind } from './steps/registry.ts';

export function scenarioJsonSchema(steps: Iterable<StepKind>): JsonSchema {
  const { value, definitions } = withDefinitions(() => build(steps));
  return { ...value, definitions };
}

function build(steps: Iterable<StepKind>): JsonSchema {
  const head = scenarioHeader.json() as { properties: Record<string, JsonSchema> } & JsonSchema;
  const items = [...steps].map((s) => ({
    type: 'object',
    title: s.kind,
    description: s.owner === 'core' ? s.summary : `${s.summary} (plugin ${s.owner})`,
    properties: { [s.kind]: { ...s.json(), description: s.summary } },
    required: [s.kind],
    additionalProperties: false,
  }));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://sevlab.invalid/scenarios/schema.json',
    title: 'sevlab scenario',
    description: 'A sevlab scenario: builds a machine, loads plugins, runs steps and checks expectations.',
    ...head,
    properties: {
      ...head.properties,
      steps: { ...head.properties.steps, type: 'array', minItems: 1, items: { anyOf: items } },
    },
  };
}
