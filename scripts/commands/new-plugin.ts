/**
 * `sevlab new-plugin NAME [--dir DIR]`: writes a plugin, a scenario and a test that pass as written,
 * the starting point for prototyping a GHCB extension (plugins/README.md walks through them).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { builtinPlugins } from '../../plugins/index.ts';
import { PLUGIN_NAME, scaffoldFiles } from '../plugins/scaffold.ts';
import { type Command, UsageError } from './types.ts';

const CORE = resolve(import.meta.dir, '../../core/index.ts');

/** core/index.ts as an import path from `dir`: relative, starting with ./ or ../. */
export function coreImportPath(dir: string): string {
  const rel = relative(dir, CORE).replaceAll('\\', '/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

function parseArgs(argv: string[]): { name: string; dir: string } {
  let dir = '.';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--dir') {
      const d = argv[++i];
      if (d === undefined) throw new UsageError('--dir needs a folder, for example --dir ./plugins');
      dir = d;
    } else rest.push(argv[i]!);
  }
  if (rest.length !== 1)
    throw new UsageError(
      `give one plugin name, for example: sevlab new-plugin my-feature (got ${rest.length})`,
    );
  const name = rest[0]!;
  if (!PLUGIN_NAME.test(name))
    throw new UsageError(
      `'${name}' is not a plugin name: lower-case letters and digits in words joined by dashes, starting with a letter, such as my-feature`,
    );
  if (Object.hasOwn(builtinPlugins, name))
    throw new UsageError(`'${name}' is the name of a built-in plugin; choose another, such as ${name}-x`);
  return { name, dir: resolve(dir) };
}

export const newPluginCommand: Command = {
  name: 'new-plugin',
  summary: 'write a plugin, a scenario and a test to start a GHCB extension from',
  usage: [
    'Usage: sevlab new-plugin NAME [--dir DIR]',
    '',
    'Writes NAME.ts (a plugin with an experimental NAE event, a REPL command and a scenario step),',
    'NAME.yaml (a scenario that loads it) and NAME.test.ts (a bun test) into DIR (default: here).',
    'Nothing is overwritten. Then: bun test NAME.test.ts; sevlab run NAME.yaml; in sevlab repl,',
    'plugin load ./NAME.ts. The guide is plugins/README.md.',
  ].join('\n'),
  run(argv) {
    const { name, dir } = parseArgs(argv);
    const files = scaffoldFiles(name, coreImportPath(dir));
    const taken = files.map((f) => join(dir, f.name)).filter((p) => existsSync(p));
    if (taken.length) throw new UsageError(`will not overwrite ${taken.join(', ')}`);
    mkdirSync(dir, { recursive: true });
    for (const f of files) {
      writeFileSync(join(dir, f.name), f.text);
      console.log(`wrote ${join(dir, f.name)}`);
    }
    // The Bun that runs sevlab, when `bun` is not on the PATH (sevlab installs it under node_modules).
    const bun = Bun.which('bun') ? 'bun' : process.execPath;
    console.log(`next: cd ${dir} && ${bun} test ${name}.test.ts`);
    console.log(
      `      sevlab run ${name}.yaml   (the scenario; sevlab repl --plugin ./${name}.ts to try it live)`,
    );
    return 0;
  },
};
