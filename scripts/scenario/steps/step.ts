/**
 * A core step kind: its YAML schema (validated before anything runs) and what it does to the machine.
 * Plugin steps have the same shape through core's `PluginStep` (a JSON Schema fragment and a parse
 * function instead of a schema-builder schema); steps/registry.ts puts both in one table.
 */
import type { Machine, MachineSnapshot, StepContext, StepOutcome } from '../../../core/index.ts';
import type { Schema } from '../schema/dsl.ts';

export interface RunContext extends StepContext {
  /** Snapshots taken by `snapshot` steps, by name. */
  snapshots: Map<string, MachineSnapshot>;
  /** Instruction budget of a `run` step that names none. */
  defaultBudget: number;
}

export interface CoreStep<T> {
  kind: string;
  summary: string;
  schema: Schema<T>;
  run(value: T, machine: Machine, ctx: RunContext): StepOutcome | Promise<StepOutcome>;
}

/** Erases the value type so steps of different kinds fit one table (each checks its own value). */
export const coreStep = <T>(s: CoreStep<T>): CoreStep<unknown> => s as CoreStep<unknown>;

export const OK: StepOutcome = { ok: true };
