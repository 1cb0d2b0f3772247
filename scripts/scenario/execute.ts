/**
 * Runs one prepared scenario in this thread: firmware boot (unless `machine.boot: false`), then the
 * steps in order until one fails. A step that throws (API misuse, a plugin bug) fails with the error as
 * its actual value; nothing escapes as a stack trace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { StepOutcome } from '../../core/index.ts';
import type { ScenarioOutcome, ScenarioResult } from './result.ts';
import { type Prepared, prepareScenario } from './scenario.ts';
import type { RunContext } from './steps/step.ts';

export const DEFAULT_BUDGET = 10_000_000;

export interface ExecuteOptions {
  /** --seed: overrides the file's machine.seed. */
  seed?: number;
  /** --plugin: loaded into every scenario's machine after the file's own plugins. */
  plugins?: readonly string[];
  /** Artifact folder for this scenario; null: a temporary folder removed afterwards. */
  outDir: string | null;
  defaultBudget?: number;
}

function invalid(
  file: string,
  p: Extract<Prepared, { ok: false }>,
  seed: number | undefined,
): ScenarioResult {
  return {
    file,
    name: file,
    description: '',
    seed: seed ?? 0,
    outcome: { kind: 'invalid', diagnostic: p.error },
    steps: 0,
    totalSteps: 0,
    instructions: 0,
    vmgexits: 0,
    wallMs: 0,
    events: [],
  };
}

export async function executePrepared(
  p: Extract<Prepared, { ok: true }>,
  opts: ExecuteOptions,
): Promise<ScenarioResult> {
  const start = performance.now();
  const { scenario, machine } = p;
  const outDir = opts.outDir ?? mkdtempSync(join(tmpdir(), 'sevlab-'));
  const ctx: RunContext = {
    baseDir: dirname(resolve(scenario.file)),
    outDir,
    snapshots: new Map(),
    defaultBudget: opts.defaultBudget ?? DEFAULT_BUDGET,
  };
  let outcome: ScenarioOutcome = { kind: 'pass' };
  let ran = 0;
  try {
    if (scenario.boot) machine.boot();
    for (const step of scenario.steps) {
      ran++;
      let r: StepOutcome;
      try {
        r = await step.run(step.value, machine, ctx);
      } catch (e) {
        r = {
          ok: false,
          expected: 'the step to complete',
          actual: `error: ${e instanceof Error ? e.message : String(e)}`,
        };
      }
      if (!r.ok) {
        outcome = {
          kind: 'fail',
          step: step.index,
          stepKind: step.kind,
          line: step.line,
          column: step.column,
          expected: r.expected,
          actual: r.actual,
        };
        break;
      }
    }
  } finally {
    if (opts.outDir === null) rmSync(outDir, { recursive: true, force: true });
  }
  const events = [...machine.log.events];
  return {
    file: scenario.file,
    name: scenario.name,
    description: scenario.description,
    seed: scenario.config.seed,
    outcome,
    steps: ran,
    totalSteps: scenario.steps.length,
    instructions: machine.instructions,
    vmgexits: events.filter((e) => e.kind === 'vmgexit' || e.kind === 'msr-proto').length,
    wallMs: performance.now() - start,
    events,
  };
}

/** Reads, checks and runs one scenario file. */
export async function runScenarioFile(file: string, opts: ExecuteOptions): Promise<ScenarioResult> {
  const start = performance.now();
  const p = await prepareScenario(file, {
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.plugins ? { plugins: opts.plugins } : {}),
  });
  if (!p.ok) return { ...invalid(file, p, opts.seed), wallMs: performance.now() - start };
  const r = await executePrepared(p, opts);
  return { ...r, wallMs: performance.now() - start };
}
