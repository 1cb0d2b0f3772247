import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Machine, machineConfig, PluginError } from '../../../core/index.ts';
import { usePluginSpec as loadSpec } from '../../../scripts/plugins/resolve.ts';

const CORE = resolve(import.meta.dir, '../../../core/index.ts');
const dir = mkdtempSync(join(tmpdir(), 'sevlab-name-clash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A plugin module named `name` that adds command `command`; returns its path relative to `dir`. */
function file(base: string, name: string, command: string, extra = ''): string {
  writeFileSync(
    join(dir, base),
    `import { definePlugin } from '${CORE}';
export default definePlugin({
  name: '${name}',${extra}
  setup(api) {
    api.addCommand({ name: '${command}', summary: '', usage: '${command}', run: () => '${command}' });
  },
});
`,
  );
  return `./${base}`;
}

const failure = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PluginError);
    return (e as Error).message;
  }
  throw new Error('expected a PluginError');
};

/** A machine with the built-in kexec plugin loaded, as the REPL starts. */
async function withKexec(): Promise<Machine> {
  const m = new Machine(machineConfig({ vcpus: 2 }));
  await loadSpec(m, 'kexec', dir);
  return m;
}

const commandsOf = (m: Machine, owner: string) =>
  [...m.plugins.commands.values()].filter((c) => c.owner === owner).map((c) => c.name);

describe('a plugin named like one already loaded from another source', () => {
  test('is refused with one message naming both sources; the built-in stays', async () => {
    const m = await withKexec();
    const spec = file('dup.ts', 'kexec', 'dup');
    expect(await failure(loadSpec(m, spec, dir))).toBe(
      `plugin kexec (${join(dir, 'dup.ts')}): a plugin named kexec is already loaded from built-in kexec; unload it first (REPL: plugin unload kexec) or set override: true in the plugin to replace it`,
    );
    expect(m.plugins.list()).toEqual([{ name: 'kexec', source: 'built-in kexec' }]);
    expect(commandsOf(m, 'kexec')).toEqual(['boot', 'kexec', 'blob', 'cpu']);
  });

  test('two files with one name: the second is refused, naming the first file', async () => {
    const m = new Machine(machineConfig({ vcpus: 2 }));
    await loadSpec(m, file('one.ts', 'same', 'one'), dir);
    expect(await failure(loadSpec(m, file('two.ts', 'same', 'two'), dir))).toBe(
      `plugin same (${join(dir, 'two.ts')}): a plugin named same is already loaded from ${join(dir, 'one.ts')}; unload it first (REPL: plugin unload same) or set override: true in the plugin to replace it`,
    );
    expect(commandsOf(m, 'same')).toEqual(['one']);
  });

  test('loads after the loaded one is unloaded', async () => {
    const m = await withKexec();
    m.plugins.remove('kexec');
    await loadSpec(m, file('dup2.ts', 'kexec', 'dup'), dir);
    expect(m.plugins.list()).toEqual([{ name: 'kexec', source: join(dir, 'dup2.ts') }]);
    expect(commandsOf(m, 'kexec')).toEqual(['dup']);
  });

  test('replaces it when the plugin sets override: true', async () => {
    const m = await withKexec();
    await loadSpec(m, file('over.ts', 'kexec', 'mine', '\n  override: true,'), dir);
    expect(m.plugins.list()).toEqual([{ name: 'kexec', source: join(dir, 'over.ts') }]);
    expect(commandsOf(m, 'kexec')).toEqual(['mine']);
    expect(m.plugins.commands.has('boot')).toBe(false);
  });

  test('a reload of the same file still replaces it (edit and load again)', async () => {
    const m = new Machine(machineConfig({ vcpus: 2 }));
    const spec = file('edit.ts', 'edit', 'before');
    await loadSpec(m, spec, dir);
    file('edit.ts', 'edit', 'after');
    await loadSpec(m, spec, dir);
    expect(commandsOf(m, 'edit')).toEqual(['after']);
    expect(await loadSpec(m, 'kexec', dir)).toEqual({ name: 'kexec', source: 'built-in kexec' });
    expect(await loadSpec(m, 'kexec', dir)).toEqual({ name: 'kexec', source: 'built-in kexec' });
  });
});
