/**
 * How long the whole scenario library takes, as a user runs it: `sevlab run scenarios/` in a fresh
 * process (Bun start-up, validation of every file, worker threads, the summary table), repeated and
 * reported as the median. `bun scripts/bench/scenarios.ts [RUNS] [-- extra sevlab run options]`.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dir, '..', '..');
const dash = process.argv.indexOf('--');
const runs = Number(process.argv[2] && process.argv[2] !== '--' ? process.argv[2] : 5);
const extra = dash >= 0 ? process.argv.slice(dash + 1) : [];

const times: number[] = [];
let summary = '';
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'cli.ts'), 'run', 'scenarios/', ...extra], {
    cwd: root,
    encoding: 'utf8',
  });
  times.push(performance.now() - t0);
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr);
    process.exit(1);
  }
  summary = r.stdout.split('\n').find((l) => / scenarios: /.test(l)) ?? '';
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
console.log(summary);
console.log(
  `sevlab run scenarios/ ${extra.join(' ')}: median ${(median / 1000).toFixed(2)} s over ${runs} runs ` +
    `(min ${(times[0]! / 1000).toFixed(2)} s, max ${(times.at(-1)! / 1000).toFixed(2)} s) on ${availableParallelism()} cores`,
);
