/** The summary after a run: one row per scenario, then each failure with its step, expected and actual. */

import chalk from 'chalk';
import type { ScenarioResult } from '../result.ts';
import { formatDiagnostic } from '../source.ts';

const HEAD = ['scenario', 'result', 'steps', 'instructions', 'VMGEXITs', 'time'] as const;
const RIGHT = new Set([2, 3, 4, 5]);
const RESULT = 1;
/** Green for a pass, red otherwise; chalk leaves text plain where the output is not a colour terminal. */
const colour = (result: string) => (result === 'pass' ? chalk.green : chalk.red);

export const ms = (t: number): string => (t >= 1000 ? `${(t / 1000).toFixed(2)} s` : `${t.toFixed(0)} ms`);

function row(r: ScenarioResult): string[] {
  return [
    r.file,
    r.outcome.kind,
    `${r.steps}/${r.totalSteps}`,
    String(r.instructions),
    String(r.vmgexits),
    ms(r.wallMs),
  ];
}

export function formatTable(results: readonly ScenarioResult[], wallMs: number): string {
  const rows = [HEAD as readonly string[], ...results.map(row)];
  const width = HEAD.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => (RIGHT.has(c) ? cell.padStart(width[c]!) : cell.padEnd(width[c]!)))
      .map((cell, c) => (c === RESULT && r !== rows[0] ? colour(r[c]!)(cell) : cell))
      .join('  ')
      .trimEnd();
  const pass = results.filter((r) => r.outcome.kind === 'pass').length;
  const out = [line(rows[0]!), width.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  out.push(
    '',
    `${results.length} scenarios: ${pass} passed, ${results.length - pass} failed in ${ms(wallMs)}`,
  );
  const failures = results.map(formatFailure).filter((f) => f !== '');
  return [...out, ...(failures.length ? ['', ...failures] : [])].join('\n');
}

/** A failed step as three lines; '' for a pass. */
export function formatFailure(r: ScenarioResult): string {
  const o = r.outcome;
  if (o.kind === 'pass') return '';
  if (o.kind === 'invalid') return `${chalk.red('INVALID')} ${formatDiagnostic(o.diagnostic)}`;
  return [
    `${chalk.red('FAIL')} ${r.file}:${o.line}:${o.column}: step ${o.step + 1} (${o.stepKind}) in "${r.name}"`,
    `  expected: ${o.expected}`,
    `  actual:   ${o.actual}`,
  ].join('\n');
}
