import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Machine, machineConfig } from '../../core/index.ts';
import { isPathSpec } from '../plugins/load.ts';
import { discover, parseShard, type Shard, shardOf } from '../scenario/discover.ts';
import { resolvePlugin } from '../scenario/plugins.ts';
import { runPool, scenarioOutDir } from '../scenario/pool.ts';
import { formatJson } from '../scenario/reporters/json.ts';
import { formatJunit } from '../scenario/reporters/junit.ts';
import { progress } from '../scenario/reporters/progress.ts';
import { formatTable } from '../scenario/reporters/table.ts';
import { formatTrace } from '../scenario/reporters/trace.ts';
import type { ScenarioResult } from '../scenario/result.ts';
import { prepareScenario } from '../scenario/scenario.ts';
import { formatDiagnostic } from '../scenario/source.ts';
import { type Command, UsageError } from './types.ts';

const usage = `Usage: sevlab run PATHS... [--jobs N] [--shard I/N] [--seed S] [--plugin P]... [--out DIR]
                  [--json] [--junit FILE] [--trace FILE]

Runs scenario files (YAML; folders are searched for *.yaml), prints live progress, then a table:
scenario, result, steps, emulated instructions, VMGEXITs, wall time. Every file is checked before
anything runs: a bad file gets one "file:line:column: what is wrong; expected what" line.
Exit status: 0 all passed, 1 an expectation failed, 2 invalid input.

  --jobs N       scenarios at once, on worker threads (default: the number of cores)
  --shard I/N    run only the I-th of N equal slices of the sorted file list (CI machines)
  --seed S       override every scenario's machine.seed
  --plugin P     load plugin P into every scenario after its own: a built-in name or a module path
                 (repeatable); it is loaded and set up once first, so a broken one is one line
  --out DIR      artifacts: DIR/<scenario>/events.jsonl and whatever steps write (the scenario's path
                 relative to the working folder; without --out, steps write into a temporary folder
                 that is deleted after the scenario; with --out the run lists the files steps wrote)
  --json         print the results as JSON instead of the table
  --junit FILE   write JUnit XML for CI systems
  --trace FILE   write Chrome trace-event JSON (open it in Perfetto: ui.perfetto.dev)

Example:
  sevlab run scenarios/ --jobs 2 --trace run.trace.json`;

export interface RunArgs {
  paths: string[];
  jobs: number;
  shard: Shard | null;
  seed?: number;
  /** --plugin, repeatable: built-in names or module paths (made absolute here). */
  plugins: string[];
  out: string | null;
  json: boolean;
  junit: string | null;
  trace: string | null;
}

const VALUE_FLAGS = ['--jobs', '--shard', '--seed', '--plugin', '--out', '--junit', '--trace'] as const;

export function parseRunArgs(argv: readonly string[]): RunArgs {
  const a: RunArgs = {
    paths: [],
    jobs: availableParallelism(),
    shard: null,
    plugins: [],
    out: null,
    json: false,
    junit: null,
    trace: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') {
      a.json = true;
      continue;
    }
    if (!(VALUE_FLAGS as readonly string[]).includes(arg)) {
      if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'; see sevlab run --help`);
      a.paths.push(arg);
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`${arg} needs a value; see sevlab run --help`);
    if (arg === '--jobs') {
      if (!/^[1-9]\d*$/.test(value))
        throw new UsageError(`--jobs takes a count of 1 or more, for example --jobs 2`);
      a.jobs = Number(value);
    } else if (arg === '--shard') {
      a.shard = parseShard(value);
      if (!a.shard) throw new UsageError(`--shard takes I/N with 1 <= I <= N, for example --shard 1/3`);
    } else if (arg === '--seed') {
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
        throw new UsageError(`--seed takes a whole number, for example --seed 42`);
      a.seed = Number(value);
    } else if (arg === '--plugin') a.plugins.push(isPathSpec(value) ? resolve(value) : value);
    else if (arg === '--out') a.out = value;
    else if (arg === '--junit') a.junit = value;
    else a.trace = value;
  }
  if (!a.paths.length)
    throw new UsageError('give scenario files or folders, for example: sevlab run scenarios/');
  return a;
}

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

export async function runCommandMain(argv: readonly string[]): Promise<number> {
  const args = parseRunArgs(argv);
  let files: string[];
  try {
    files = discover(args.paths);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (args.shard) files = shardOf(files, args.shard);
  if (!files.length) {
    if (args.shard)
      console.error(`sevlab run: shard ${args.shard.index}/${args.shard.total} has no scenarios`);
    else throw new UsageError(`no scenario files (*.yaml) under ${args.paths.join(' ')}`);
  }
  for (const spec of args.plugins) {
    const r = await resolvePlugin(spec, process.cwd());
    if (!r.ok) throw new UsageError(`--plugin ${spec}: ${r.message}`);
    // Setup is tried once on a default machine, so a plugin that throws is one line, not one per scenario.
    try {
      new Machine(machineConfig({})).plugins.use(r.plugin, {}, r.source);
    } catch (e) {
      throw new UsageError(`--plugin ${spec}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // Every file is checked before any runs: invalid input means no partial run.
  const seed = {
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    ...(args.plugins.length ? { plugins: args.plugins } : {}),
  };
  const invalid = [];
  for (const f of files) {
    const p = await prepareScenario(f, seed);
    if (!p.ok) invalid.push(formatDiagnostic(p.error));
  }
  if (invalid.length) {
    for (const line of invalid) console.error(line);
    return 2;
  }
  const start = performance.now();
  const live = progress(process.stderr, process.stderr.isTTY === true, files.length);
  const results = await runPool(files, {
    jobs: args.jobs,
    outDir: args.out,
    ...seed,
    onStart: (f) => live.start(f),
    onResult: (r, done) => live.result(r, done),
  });
  live.end();
  const wall = performance.now() - start;
  console.log(args.json ? formatJson(results, wall) : formatTable(results, wall));
  const written = writtenFiles(results);
  // JSON stays alone on stdout: the list goes to stderr then.
  if (written.length) (args.json ? console.error : console.log)(formatWritten(written, args.out));
  if (args.out)
    for (const r of results)
      write(join(scenarioOutDir(args.out, r.file), 'events.jsonl'), eventsJsonl(r.events));
  if (args.junit) write(args.junit, formatJunit(results, wall));
  if (args.trace) write(args.trace, formatTrace(results));
  const failed = results.some((r) => r.outcome.kind !== 'pass');
  return failed ? 1 : 0;
}

/** A file a step wrote: its log line says "<what> written to <path>" (the kdump dump steps). */
export interface WrittenFile {
  scenario: string;
  what: string;
  path: string;
}

const WRITTEN = /^(\S+) written to (.+)$/;

export function writtenFiles(results: readonly ScenarioResult[]): WrittenFile[] {
  return results.flatMap((r) =>
    r.events.flatMap((e) => {
      const m = e.kind === 'log' ? WRITTEN.exec(e.message) : null;
      return m ? [{ scenario: r.file, what: m[1]!, path: m[2]! }] : [];
    }),
  );
}

/**
 * With --out, one line per file; without, one line saying the files went with the run's temporary
 * folders (naming paths that no longer exist would only send a reader looking for them).
 */
export function formatWritten(files: readonly WrittenFile[], out: string | null): string {
  if (out === null) {
    const kinds = [...new Set(files.map((f) => f.what))].join(', ');
    const n = files.length;
    return `${n} file${n === 1 ? '' : 's'} written by steps (${kinds}) went with the run's temporary folders: give --out DIR to keep them`;
  }
  const lines = files.map(
    (f) => `  ${f.scenario}: ${f.what} ${f.path}${existsSync(f.path) ? '' : ' (no longer there)'}`,
  );
  return ['written by steps:', ...lines].join('\n');
}

const eventsJsonl = (events: readonly object[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');

/** `sevlab run`: scenario files in batch. */
export const runCommand: Command = {
  name: 'run',
  summary: 'run YAML scenario files and folders; table, JSON, JUnit and Chrome-trace output',
  usage,
  run: (argv) => runCommandMain(argv),
};
