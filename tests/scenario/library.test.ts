// Every scenario in scenarios/ runs in bun test through the in-process runner and must pass.
import { describe, expect, test } from 'bun:test';
import { join, relative } from 'node:path';
import { discover } from '../../scripts/scenario/discover.ts';
import { runScenarioFile } from '../../scripts/scenario/execute.ts';
import { formatFailure } from '../../scripts/scenario/reporters/table.ts';

const root = join(import.meta.dir, '..', '..');
const files = discover([relative(process.cwd(), join(root, 'scenarios'))]);

describe('the scenario library passes', () => {
  test('the library has a scenario for every capability folder', () => {
    const folders = new Set(files.map((f) => f.split('/').at(-2)));
    for (const f of ['ap', 'cpu', 'hostile', 'malformed-ghcb', 'protocol', 'termination', 'workbench'])
      expect(folders).toContain(f);
  });
  test.each(files)('%s', async (file) => {
    const r = await runScenarioFile(file, { outDir: null });
    expect(formatFailure(r)).toBe('');
    expect(r.outcome.kind).toBe('pass');
    expect(r.steps).toBe(r.totalSteps);
  });
});
