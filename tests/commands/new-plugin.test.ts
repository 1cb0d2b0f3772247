import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dir, '../..');
const CLI = join(REPO, 'scripts/cli.ts');
const root = mkdtempSync(join(tmpdir(), 'sevlab-new-plugin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs `bun ARGS` in `cwd` (outside the repo) with `stdin`; returns status and output. */
function bun(args: string[], cwd: string, stdin = '') {
  const r = Bun.spawnSync([process.execPath, ...args], {
    cwd,
    stdin: Buffer.from(stdin),
    env: { ...process.env },
  });
  return { status: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}
const sevlab = (args: string[], cwd: string, stdin = '') => bun([CLI, ...args], cwd, stdin);

describe('sevlab new-plugin', () => {
  const dir = join(root, 'scaffold');

  test('writes NAME.ts, NAME.yaml and NAME.test.ts that pass where they are written', () => {
    const made = sevlab(['new-plugin', 'my-feature', '--dir', dir], root);
    expect(made.status).toBe(0);
    expect(made.out.split('\n').slice(0, 3)).toEqual(
      ['my-feature.ts', 'my-feature.yaml', 'my-feature.test.ts'].map((f) => `wrote ${join(dir, f)}`),
    );
    const tests = bun(['test', 'my-feature.test.ts'], dir);
    expect([tests.status, /^\s*3 pass$/m.test(tests.err + tests.out)]).toEqual([0, true]);
    const run = sevlab(['run', 'my-feature.yaml'], dir);
    expect([run.status, run.out.includes('1 scenarios: 1 passed, 0 failed')]).toEqual([0, true]);
  });

  test('every printed next step runs as printed from the folder the files are in', () => {
    const here = join(root, 'next-steps');
    const fresh = sevlab(['new-plugin', 'my-thing', '--dir', here], root);
    expect(fresh.status).toBe(0);
    const lines = fresh.out.trimEnd().split('\n');
    expect(lines[3]).toBe(`next, in ${here}: the test, the scenario, the plugin live in the REPL`);
    const steps = lines.slice(4).map((l) => l.replace(/^ {2}/, ''));
    expect(steps.length).toBe(3);
    expect(steps.slice(1)).toEqual([
      `node ${REPO}/scripts/sevlab.mjs run my-thing.yaml`,
      `node ${REPO}/scripts/sevlab.mjs repl --plugin ./my-thing.ts`,
    ]);
    for (const step of steps) {
      const r = Bun.spawnSync(['sh', '-c', step], { cwd: here, stdin: Buffer.from('my-thing 41\n') });
      expect([step, r.exitCode]).toEqual([step, 0]);
    }
  });

  test('the files import core by its absolute path and still pass after their folder moves', () => {
    const before = join(root, 'moving');
    expect(sevlab(['new-plugin', 'mover', '--dir', before], root).status).toBe(0);
    const text = ['mover.ts', 'mover.test.ts'].map((f) => readFileSync(join(before, f), 'utf8'));
    for (const t of text) expect(t).toContain(`from '${REPO}/core/index.ts';`);
    const after = join(root, 'moved', 'deeper', 'still');
    Bun.spawnSync(['mkdir', '-p', join(root, 'moved', 'deeper')]);
    renameSync(before, after);
    const tests = bun(['test', 'mover.test.ts'], after);
    expect([tests.status, /^\s*3 pass$/m.test(tests.err + tests.out)]).toEqual([0, true]);
    const run = sevlab(['run', 'mover.yaml'], after);
    expect([run.status, run.out.includes('1 scenarios: 1 passed, 0 failed')]).toEqual([0, true]);
  });

  test('the plugin loads in the REPL by path and its command answers', () => {
    const r = sevlab(['repl', '--no-plugins'], dir, 'plugin load ./my-feature.ts\nmy-feature 41\n');
    expect([r.status, r.out]).toEqual([0, 'loaded plugin my-feature; commands: my-feature\n42\n']);
  });

  test('refuses to overwrite, to take a bad name, or a built-in name', () => {
    const again = sevlab(['new-plugin', 'my-feature', '--dir', dir], root);
    expect([again.status, again.err.trim()]).toEqual([
      2,
      `sevlab new-plugin: will not overwrite ${['my-feature.ts', 'my-feature.yaml', 'my-feature.test.ts'].map((f) => join(dir, f)).join(', ')}`,
    ]);
    const bad = sevlab(['new-plugin', 'My_Feature', '--dir', dir], root);
    expect([bad.status, bad.err.includes("'My_Feature' is not a plugin name")]).toEqual([2, true]);
    const builtin = sevlab(['new-plugin', 'ap-creation', '--dir', dir], root);
    expect([builtin.status, builtin.err.includes("'ap-creation' is the name of a built-in plugin")]).toEqual([
      2,
      true,
    ]);
    expect(existsSync(join(dir, 'ap-creation.ts'))).toBe(false);
  });
});

describe('a plugin written from plugins/README.md alone, outside the repo', () => {
  const dir = join(root, 'guide');
  const guide = readFileSync(join(REPO, 'plugins/README.md'), 'utf8');
  const blocks = [...guide.matchAll(/<!-- guide:(?:plugin|scenario) (\S+) -->\n```\w+\n([\s\S]*?)```/g)];

  test('the guide has the plugin and its scenario', () => {
    expect(blocks.map((b) => b[1])).toEqual(['double.ts', 'double.yaml']);
    rmSync(dir, { recursive: true, force: true });
    Bun.spawnSync(['mkdir', '-p', dir]);
    for (const [, name, text] of blocks) writeFileSync(join(dir, name!), text!.replaceAll('SEVLAB', REPO));
  });

  test('its scenario passes in sevlab run', () => {
    const r = sevlab(['run', 'double.yaml'], dir);
    expect([r.status, r.out.includes('1 scenarios: 1 passed, 0 failed')]).toEqual([0, true]);
  });

  test('it loads in the REPL with --plugin and with plugin load', () => {
    expect(sevlab(['repl', '--plugin', './double.ts'], dir, 'double 21\n')).toMatchObject({
      status: 0,
      out: '42\n',
    });
    expect(sevlab(['repl', '--no-plugins'], dir, 'plugin load ./double.ts\ndouble 21\n')).toMatchObject({
      status: 0,
      out: 'loaded plugin double; commands: double\n42\n',
    });
  });

  test('the commands the guide gives to run it work as written from its folder', () => {
    const block = /<!-- guide:commands -->\n```sh\n([\s\S]*?)```/.exec(guide)?.[1] ?? '';
    const commands = block.trimEnd().split('\n');
    expect(commands).toEqual([
      'node SEVLAB/scripts/sevlab.mjs run double.yaml',
      'node SEVLAB/scripts/sevlab.mjs repl --plugin ./double.ts',
    ]);
    const outs = commands.map((c) => {
      const r = Bun.spawnSync(['sh', '-c', c.replaceAll('SEVLAB', REPO)], {
        cwd: dir,
        stdin: Buffer.from('double 21\n'),
      });
      return [r.exitCode, r.stdout.toString().includes('1 scenarios: 1 passed') || r.stdout.toString()];
    });
    expect(outs).toEqual([
      [0, true],
      [0, '42\n'],
    ]);
  });

  test('repl --plugin adds to the built-in plugins; --no-plugins leaves the built-ins out', () => {
    const builtins = [
      'ap-creation: ap-create',
      'kdump: kdump, crash, vmcore, host-dump',
      'kexec: boot, kexec, blob, cpu',
      'mmio: vga, serial, regfile, decompressor',
    ];
    expect(sevlab(['repl', '--plugin', './double.ts'], dir, 'plugins\n')).toMatchObject({
      status: 0,
      out: `${[...builtins, 'double: double'].join('\n')}\n`,
    });
    expect(sevlab(['repl', '--no-plugins', '--plugin', './double.ts'], dir, 'plugins\n')).toMatchObject({
      status: 0,
      out: 'double: double\n',
    });
  });

  test('a plugin named like a built-in is refused in the REPL until the built-in is unloaded', () => {
    writeFileSync(
      join(dir, 'dup.ts'),
      `import { definePlugin } from '${REPO}/core/index.ts';
export default definePlugin({ name: 'kexec', setup(api) { api.addCommand({ name: 'dup', summary: '', usage: 'dup', run: () => 'dup' }); } });
`,
    );
    const r = sevlab(
      ['repl', '--keep-going'],
      dir,
      'plugin load ./dup.ts\nboot a\nplugin unload kexec\nplugin load ./dup.ts\ndup\n',
    );
    expect(r.err.split('\n')[0]).toBe(
      `stdin:1: plugin kexec (${join(dir, 'dup.ts')}): a plugin named kexec is already loaded from built-in kexec; unload it first (REPL: plugin unload kexec) or set override: true in the plugin to replace it; example: plugin load ./my-plugin.ts`,
    );
    expect(r.err).not.toContain('unknown command');
    expect(r.out.split('\n').slice(-4)).toEqual([
      'unloaded plugin kexec',
      'loaded plugin kexec; commands: dup',
      'dup',
      '',
    ]);
  });

  test('a broken copy gets one message naming the file, and the REPL machine is untouched', () => {
    writeFileSync(join(dir, 'broken.ts'), "export default { name: 'broken', setup( {\n");
    const r = sevlab(['repl', '--no-plugins', '--keep-going'], dir, 'plugin load ./broken.ts\nplugins\n');
    expect(r.status).toBe(1);
    expect(r.err).toBe(
      `stdin:1: plugin ./broken.ts (${join(dir, 'broken.ts')}) failed to load at line 1, column 42: Expected identifier but found end of file; example: plugin load ./my-plugin.ts\n`,
    );
    expect(r.out).toMatch(/^no plugins loaded/i);
  });
});
