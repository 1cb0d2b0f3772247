/**
 * Building a big machine must cost nothing until it is used: 4096 vCPUs and 1 TiB of declared memory
 * (SEV-ES, firmware boot included). Prints wall time and resident set size; run several times and keep
 * the median. `bun scripts/bench/machine-build.ts [--vcpus N] [--memory BYTES] [--runs N]`
 */
import { Machine, machineConfig } from '../../core/index.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const vcpus = arg('vcpus', 4096);
const memory = arg('memory', 2 ** 40);
const runs = arg('runs', 5);

const rssBefore = process.memoryUsage().rss;
const times: number[] = [];
let kept: Machine | null = null;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const m = new Machine(machineConfig({ vcpus, memory, sev: 'es' }));
  if (!m.boot()) throw new Error('firmware boot failed');
  times.push(performance.now() - t0);
  kept = m;
}
Bun.gc(true);
const rss = process.memoryUsage().rss;
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
console.log(
  JSON.stringify({
    vcpus,
    memoryBytes: memory,
    runs,
    medianMs: Number(median.toFixed(1)),
    minMs: Number(times[0]!.toFixed(1)),
    rssMiB: Number((rss / 2 ** 20).toFixed(1)),
    rssGrowthMiB: Number(((rss - rssBefore) / 2 ** 20).toFixed(1)),
    touchedPages: kept?.memory.touchedPages(),
  }),
);
