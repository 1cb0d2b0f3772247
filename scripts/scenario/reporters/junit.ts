/**
 * `--junit FILE`: JUnit XML as CI systems read it (the Ant/Surefire shape: testsuites > testsuite >
 * testcase, with <failure> for a failed expectation and <error> for an invalid file).
 */
import type { ScenarioResult } from '../result.ts';
import { formatDiagnostic } from '../source.ts';

const esc = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // XML 1.0 has no escape for most control characters: drop them.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

const secs = (ms: number) => (ms / 1000).toFixed(3);

function testcase(r: ScenarioResult): string {
  const head = `    <testcase name="${esc(r.name)}" classname="${esc(r.file.replace(/\.ya?ml$/, '').replaceAll('/', '.'))}" file="${esc(r.file)}" time="${secs(r.wallMs)}"`;
  const o = r.outcome;
  if (o.kind === 'pass') return `${head}/>`;
  if (o.kind === 'invalid') {
    const text = formatDiagnostic(o.diagnostic);
    return `${head}>\n      <error message="${esc(text)}" type="invalid-scenario">${esc(text)}</error>\n    </testcase>`;
  }
  const where = `${r.file}:${o.line}:${o.column}`;
  const message = `step ${o.step + 1} (${o.stepKind}): expected ${o.expected}, actual ${o.actual}`;
  return `${head}>\n      <failure message="${esc(message)}" type="expectation">${esc(`${where}\nexpected: ${o.expected}\nactual:   ${o.actual}`)}</failure>\n    </testcase>`;
}

export function formatJunit(results: readonly ScenarioResult[], wallMs: number): string {
  const failures = results.filter((r) => r.outcome.kind === 'fail').length;
  const errors = results.filter((r) => r.outcome.kind === 'invalid').length;
  const counts = `tests="${results.length}" failures="${failures}" errors="${errors}" time="${secs(wallMs)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sevlab run" ${counts}>`,
    `  <testsuite name="scenarios" ${counts} skipped="0">`,
    ...results.map(testcase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
