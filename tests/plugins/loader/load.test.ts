import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Machine, machineConfig, PluginError } from '../../../core/index.ts';
import { isPathSpec, loadPluginModule } from '../../../scripts/plugins/load.ts';
import { builtinPlugin, resolvePluginSpec, usePluginSpec } from '../../../scripts/plugins/resolve.ts';

const CORE = resolve(import.meta.dir, '../../../core/index.ts');
const dir = mkdtempSync(join(tmpdir(), 'sevlab-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a plugin module into the temporary folder; returns its path relative to it. */
function file(name: string, body: string): string {
  writeFileSync(join(dir, name), `import { definePlugin, SVM_VMGEXIT } from '${CORE}';\n${body}\n`);
  return `./${name}`;
}

const machine = () => new Machine(machineConfig({ vcpus: 2 }));
const failure = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PluginError);
    return (e as Error).message;
  }
  throw new Error('expected a PluginError');
};

describe('loadPluginModule', () => {
  test('a default export and a named `plugin` export both load, TypeScript as it is', async () => {
    const a = file('a.ts', "export default definePlugin<{ n?: number }>({ name: 'a', setup() {} });");
    const b = file('b.ts', "export const plugin = { name: 'b', setup(): void {} };");
    expect((await loadPluginModule(a, dir)).plugin.name).toBe('a');
    expect(await loadPluginModule(b, dir)).toMatchObject({
      plugin: { name: 'b' },
      source: join(dir, 'b.ts'),
    });
  });

  test('a missing file names the path it looked for', async () => {
    expect(await failure(loadPluginModule('./nope.ts', dir))).toBe(
      `plugin module './nope.ts' does not exist (looked for ${join(dir, 'nope.ts')})`,
    );
  });

  test('a syntax error names the file, line and column', async () => {
    writeFileSync(join(dir, 'syntax.ts'), "export default { name: 'x', setup( {\n");
    expect(await failure(loadPluginModule('./syntax.ts', dir))).toBe(
      `plugin ./syntax.ts (${join(dir, 'syntax.ts')}) failed to load at line 1, column 37: Expected identifier but found end of file`,
    );
  });

  test.each([
    ['noexport.ts', 'export const x = 1;', 'exports no plugin (no default export and no `plugin` export)'],
    ['noname.ts', 'export default { setup() {} };', 'exports a plugin with no name'],
    [
      'nosetup.ts',
      "export default { name: 'nosetup' };",
      'exports plugin nosetup with no setup(api) function',
    ],
    [
      'factory.ts',
      "export default () => ({ name: 'f', setup() {} });",
      'exports a function, not a plugin object',
    ],
  ])('%s is refused: %s', async (name, body, why) => {
    const message = await failure(loadPluginModule(file(name, body), dir));
    expect(message.startsWith(`plugin ./${name} (${join(dir, name)}) ${why}`)).toBe(true);
  });

  test('a package name that is not installed says how to install it or give a path', async () => {
    expect(await failure(loadPluginModule('sevlab-plugin-none', dir))).toBe(
      `plugin package sevlab-plugin-none is not installed where ${dir} can see it; run \`npm install sevlab-plugin-none\` or give a path such as ./sevlab-plugin-none.ts`,
    );
  });

  test('paths and package names are told apart', () => {
    expect(['./x.ts', '../x', '/abs/x', 'x.ts', 'pkg', '@scope/pkg'].map(isPathSpec)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  test('a reload sees the edited file', async () => {
    const spec = file('edit.ts', "export default definePlugin({ name: 'v1', setup() {} });");
    expect((await loadPluginModule(spec, dir)).plugin.name).toBe('v1');
    file('edit.ts', "export default definePlugin({ name: 'v2', setup() {} });");
    expect((await loadPluginModule(spec, dir)).plugin.name).toBe('v2');
  });
});

describe('usePluginSpec: into a machine', () => {
  test('a built-in name resolves without touching the file system', async () => {
    expect(builtinPlugin('ap-creation')?.name).toBe('ap-creation');
    expect(builtinPlugin('toString')).toBeUndefined();
    expect((await resolvePluginSpec('ap-creation', '/nonexistent')).source).toBe('built-in ap-creation');
  });

  test('setup that throws: one message naming the file, nothing registered', async () => {
    const spec = file(
      'throws.ts',
      "export default definePlugin({ name: 'throws', setup(api) { api.advertiseFeatures(8n); api.addCommand({ name: 't', summary: '', usage: 't', run: () => '' }); throw new Error('no VMSA area'); } });",
    );
    const m = machine();
    expect(await failure(usePluginSpec(m, spec, dir))).toBe(
      `plugin throws (${join(dir, 'throws.ts')}) failed in setup: no VMSA area`,
    );
    expect([m.plugins.loaded(), m.hv.config.hvFeatures, m.plugins.commands.size]).toEqual([[], 0n, 0]);
  });

  test('a selector another plugin claims is refused unless the plugin says override', async () => {
    const row =
      "{ exitCode: SVM_VMGEXIT.AP_CREATION, name: 'X', handle: () => ({ kind: 'resume' as const }) }";
    const first = file(
      'first.ts',
      `export default definePlugin({ name: 'first', setup(api) { api.onVmgexit(${row}); } });`,
    );
    const clash = file(
      'clash.ts',
      `export default definePlugin({ name: 'clash', setup(api) { api.onVmgexit(${row}); } });`,
    );
    const over = file(
      'over.ts',
      `export default definePlugin({ name: 'over', setup(api) { api.onVmgexit(${row}, { override: true }); } });`,
    );
    const m = machine();
    await usePluginSpec(m, first, dir);
    expect(await failure(usePluginSpec(m, clash, dir))).toBe(
      `plugin clash (${join(dir, 'clash.ts')}) failed in setup: VMGEXIT 0x80000013 is already handled by first; pass { override: true } to run first`,
    );
    expect(await usePluginSpec(m, over, dir)).toEqual({ name: 'over', source: join(dir, 'over.ts') });
    expect(m.plugins.loaded()).toEqual(['first', 'over']);
  });

  test("a core selector is core's until a plugin overrides it", async () => {
    const cpuid = "{ exitCode: 0x72, name: 'MY_CPUID', handle: () => ({ kind: 'resume' as const }) }";
    const plain = file(
      'cpuid.ts',
      `export default definePlugin({ name: 'cpuid', setup(api) { api.onVmgexit(${cpuid}); } });`,
    );
    expect(await failure(usePluginSpec(machine(), plain, dir))).toContain(
      'VMGEXIT 0x72 is already handled by core; pass { override: true } to run first',
    );
  });

  test('a failed reload leaves the loaded version in place', async () => {
    const spec = file(
      'reload.ts',
      "export default definePlugin({ name: 'reload', setup(api) { api.advertiseFeatures(4n); } });",
    );
    const m = machine();
    await usePluginSpec(m, spec, dir);
    file(
      'reload.ts',
      "export default definePlugin({ name: 'reload', setup() { throw new Error('broken edit'); } });",
    );
    expect(await failure(usePluginSpec(m, spec, dir))).toContain('failed in setup: broken edit');
    expect([m.plugins.list(), m.hv.config.hvFeatures]).toEqual([
      [{ name: 'reload', source: join(dir, 'reload.ts') }],
      4n,
    ]);
  });
});
