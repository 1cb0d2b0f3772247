/** One kind of `expect:` check: its schema and how it compares the machine with what was written. */
import type { Machine } from '../../../core/index.ts';
import type { Schema } from '../schema/dsl.ts';
import type { RunContext } from '../steps/step.ts';

export type Mismatch = { expected: string; actual: string };

export interface Expectation<T> {
  key: string;
  summary: string;
  schema: Schema<T>;
  check(value: T, machine: Machine, ctx: RunContext): Mismatch | null;
}

export const expectation = <T>(e: Expectation<T>): Expectation<unknown> => e as Expectation<unknown>;

export const hex64 = (v: bigint | number): string => `0x${BigInt(v).toString(16)}`;
