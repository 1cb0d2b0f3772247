/** What running one scenario file produced: a closed set of outcomes plus the numbers the table shows. */
import type { LoggedEvent } from '../../core/index.ts';
import type { Diagnostic } from './source.ts';

export type ScenarioOutcome =
  | { kind: 'pass' }
  /** A step's check did not hold: which step, where, expected and actual. */
  | {
      kind: 'fail';
      step: number;
      stepKind: string;
      line: number;
      column: number;
      expected: string;
      actual: string;
    }
  /** The file is not a valid scenario (nothing ran). */
  | { kind: 'invalid'; diagnostic: Diagnostic };

export interface ScenarioResult {
  file: string;
  name: string;
  description: string;
  seed: number;
  outcome: ScenarioOutcome;
  /** Steps run (the failing one included) and steps in the file. */
  steps: number;
  totalSteps: number;
  /** Instructions the vCPUs retired. */
  instructions: number;
  /** VMGEXITs: GHCB exits plus MSR-protocol exchanges (each is one VMGEXIT instruction). */
  vmgexits: number;
  wallMs: number;
  /** The event log (for --trace and --out). */
  events: LoggedEvent[];
}

export const statusOf = (r: ScenarioResult): 'pass' | 'fail' | 'invalid' => r.outcome.kind;
