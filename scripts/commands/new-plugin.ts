/**
 * `sevlab new-plugin NAME [--dir DIR]`: writes a plugin, a scenario and a test that pass as written,
 * the starting point for prototyping a GHCB extension (plugins/README.md walks through them).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { builtinPlugins } from '../../plugins/index.ts';
import { PLUGIN_NAME, scaffoldFiles } from '../plugins/scaffold.ts';
import { type Command, UsageError } from './types.ts';

const REPO = resolve(import.meta.dir, '../..');

/**
 * core/index.ts as the scaffold imports it: the absolute path, as plugins/README.md recommends, so the
 * files keep working when their folder moves (only moving sevlab itself breaks them).
 */
export const coreImportPath = (): string => join(REPO, 'core/index.ts').replaceAll('\\', '/');

/** `word` as one shell word: as it is when it needs no quoting, else in single quotes. */
export const shellWord = (word: string): string =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;

/**
 * How to start sevlab from any folder: `sevlab` is on no PATH and `npx sevlab` outside the repo asks the
 * npm registry, so the bin script itself, run with node (it starts the Bun installed beside it).
 */
export const sevlabInvocation = (): string => `node ${shellWord(join(REPO, 'scripts/sevlab.mjs'))}`;

/** The commands to try the scaffold with, each runnable as it is from `dir`. */
export function nextSteps(name: string): string[] {
  // The Bun that runs sevlab, when `bun` is not on the PATH (sevlab installs it under node_modules).
  const bun = Bun.which('bun') ? 'bun' : shellWord(process.execPath);
  const sevlab = sevlabInvocation();
  return [
    `${bun} test ${name}.test.ts`,
    `${sevlab} run ${name}.yaml`,
    `${sevlab} repl --plugin ./${name}.ts`,
  ];
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
    'Nothing is overwritten. Then it prints the commands to try them with, each runnable from DIR:',
    'the test, the scenario (sevlab run) and the REPL with the plugin loaded. The guide is',
    'plugins/README.md.',
  ].join('\n'),
  run(argv) {
    const { name, dir } = parseArgs(argv);
    const files = scaffoldFiles(name, coreImportPath());
    const taken = files.map((f) => join(dir, f.name)).filter((p) => existsSync(p));
    if (taken.length) throw new UsageError(`will not overwrite ${taken.join(', ')}`);
    mkdirSync(dir, { recursive: true });
    for (const f of files) {
      writeFileSync(join(dir, f.name), f.text);
      console.log(`wrote ${join(dir, f.name)}`);
    }
    console.log(`next, in ${dir}: the test, the scenario, the plugin live in the REPL`);
    for (const c of nextSteps(name)) console.log(`  ${c}`);
    return 0;
  },
};
