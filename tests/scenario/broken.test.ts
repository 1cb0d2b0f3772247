// A corpus of broken scenario files (tests/scenario/broken/): each names, in its first line, the line,
// column and message the runner must report (`# expect LINE:COL TEXT`).
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { prepareScenario } from '../../scripts/scenario/scenario.ts';
import { formatDiagnostic } from '../../scripts/scenario/source.ts';

const dir = join(import.meta.dir, 'broken');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('every broken scenario gets one file:line:column message naming what is wrong', () => {
  test('the corpus covers the kinds of bad input', () => {
    expect(files.length).toBeGreaterThanOrEqual(35);
  });
  test.each(files)('%s', async (name) => {
    const file = relative(process.cwd(), join(dir, name));
    const text = readFileSync(file, 'utf8');
    const m = /^# expect (\d+):(\d+) (.*)$/m.exec(text.split('\n')[0]!)!;
    expect(m).not.toBeNull();
    const p = await prepareScenario(file);
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(`${p.error.line}:${p.error.column}`).toBe(`${m[1]}:${m[2]}`);
    expect(p.error.message).toContain(m[3]!);
    const line = formatDiagnostic(p.error);
    expect(line).toStartWith(`${file}:${m[1]}:${m[2]}: `);
    expect(line).not.toContain('\n');
    expect(line).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
