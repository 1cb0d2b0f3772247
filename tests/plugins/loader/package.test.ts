import { afterAll, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Machine, machineConfig } from '../../../core/index.ts';
import { loadPluginModule } from '../../../scripts/plugins/load.ts';
import { usePluginSpec as loadSpec } from '../../../scripts/plugins/resolve.ts';

const CORE = resolve(import.meta.dir, '../../../core/index.ts');
const dir = mkdtempSync(join(tmpdir(), 'sevlab-package-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny plugin package installed as npm would: node_modules/NAME with package.json and index.ts. */
function install(name: string): string {
  const pkg = join(dir, 'node_modules', name);
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.ts' }));
  writeFileSync(
    join(pkg, 'index.ts'),
    `import { definePlugin } from '${CORE}';
export default definePlugin<{ word?: string }>({
  name: '${name}',
  setup(api, options) {
    api.addCommand({ name: 'tiny', summary: 'says a word', usage: 'tiny', run: () => options.word ?? 'tiny' });
  },
});
`,
  );
  return join(pkg, 'index.ts');
}

test('a package installed in node_modules loads by its name, from its entry file', async () => {
  const entry = install('sevlab-plugin-tiny');
  expect(await loadPluginModule('sevlab-plugin-tiny', dir)).toMatchObject({
    plugin: { name: 'sevlab-plugin-tiny' },
    source: entry,
  });
  const m = new Machine(machineConfig({ vcpus: 1 }));
  expect(await loadSpec(m, 'sevlab-plugin-tiny', join(dir, 'sub'), { word: 'hi' })).toEqual({
    name: 'sevlab-plugin-tiny',
    source: entry,
  });
  expect(await m.plugins.commands.get('tiny')!.run([], m)).toBe('hi');
});

test('a scoped package loads by its @scope/name', async () => {
  const entry = install('@lab/sevlab-tiny');
  expect((await loadPluginModule('@lab/sevlab-tiny', dir)).source).toBe(entry);
});
