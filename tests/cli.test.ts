// The sevlab CLI itself: help, version, unknown words, and the demo.
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import pkg from '../package.json' with { type: 'json' };

const cli = join(import.meta.dir, '../scripts/cli.ts');
function sevlab(...args: string[]) {
  // process.env as the preload left it (FORCE_COLOR=0): Bun.spawnSync alone passes the original one.
  const r = Bun.spawnSync([process.execPath, cli, ...args], { env: { ...process.env } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe('sevlab', () => {
  test('--help lists every command; --version prints the package version', () => {
    const help = sevlab('--help');
    expect(help.code).toBe(0);
    for (const name of ['demo', 'decode', 'exec', 'run', 'conformance', 'repl', 'new-plugin'])
      expect(help.out).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(sevlab('--version')).toEqual({ code: 0, out: `${pkg.version}\n`, err: '' });
  });

  test('an unknown command or option is one line and status 2', () => {
    expect(sevlab('frob')).toEqual({
      code: 2,
      out: '',
      err: "sevlab: unknown command 'frob'; run 'sevlab --help' for the list\n",
    });
    expect(sevlab('--frob').err).toBe("sevlab: unknown option '--frob'; run 'sevlab --help' for the list\n");
  });

  test('demo negotiates version 2 by default; a bad argument is one line and status 2', () => {
    const demo = sevlab('demo');
    expect(demo.code).toBe(0);
    expect(demo.out).toContain('kernel: SEV: Using GHCB protocol version 2');
    expect(sevlab('demo', 'extra')).toEqual({
      code: 2,
      out: '',
      err: "sevlab demo: unknown argument 'extra'; the only option is --protocol MIN..MAX\n",
    });
    expect(sevlab('demo', '--protocol', 'one').err).toBe(
      'sevlab demo: --protocol takes MIN..MAX, for example --protocol 1..1\n',
    );
  });
});
