/** `--json`: the results as one JSON document on stdout (no event logs; those go to --out). */
import type { ScenarioResult } from '../result.ts';

export function formatJson(results: readonly ScenarioResult[], wallMs: number): string {
  const passed = results.filter((r) => r.outcome.kind === 'pass').length;
  return JSON.stringify(
    {
      passed,
      failed: results.length - passed,
      wallMs: Math.round(wallMs),
      scenarios: results.map(({ events: _events, wallMs: t, ...r }) => ({ ...r, wallMs: Math.round(t) })),
    },
    null,
    2,
  );
}
