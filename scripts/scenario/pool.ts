/**
 * Runs scenario files on `jobs` worker threads (one scenario per worker at a time, results in file
 * order), or in this thread when jobs is 1. Each scenario is independent: its own machine and seed,
 * so the order in which workers finish changes nothing in any result.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { runScenarioFile } from './execute.ts';
import type { ScenarioResult } from './result.ts';

export interface WorkerJob {
  id: number;
  file: string;
  seed?: number;
  plugins?: readonly string[];
  outDir: string | null;
}

export type WorkerReply =
  | { id: number; ok: true; result: ScenarioResult }
  | { id: number; ok: false; message: string };

export interface PoolOptions {
  jobs: number;
  seed?: number;
  plugins?: readonly string[];
  /** --out: each scenario gets DIR/<file path without .yaml>/. */
  outDir: string | null;
  onStart?(file: string): void;
  onResult?(result: ScenarioResult, done: number, total: number): void;
}

/**
 * Where one scenario's artifacts go under --out: DIR/<its path without .yaml>, the path taken
 * relative to the working folder, or to DIR when the file lies there; any other file gets
 * DIR/<its folder's name>/<name>, so an absolute scenario path is never nested under DIR.
 */
export function scenarioOutDir(outDir: string, file: string): string {
  const abs = resolve(file);
  const name = (p: string) => p.replace(/\.ya?ml$/, '');
  for (const base of [process.cwd(), resolve(outDir)]) {
    const r = relative(base, abs);
    if (r !== '' && !r.startsWith('..') && !isAbsolute(r)) return join(outDir, name(r));
  }
  return join(outDir, basename(dirname(abs)), name(basename(abs)));
}

function jobFor(id: number, file: string, opts: PoolOptions): WorkerJob {
  const outDir = opts.outDir === null ? null : scenarioOutDir(opts.outDir, file);
  if (outDir) mkdirSync(outDir, { recursive: true });
  return {
    id,
    file,
    outDir,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.plugins ? { plugins: opts.plugins } : {}),
  };
}

/** What a job asks of the in-process executor. */
export const executeOptions = (job: WorkerJob) => ({
  outDir: job.outDir,
  ...(job.seed !== undefined ? { seed: job.seed } : {}),
  ...(job.plugins ? { plugins: job.plugins } : {}),
});

async function inProcess(files: readonly string[], opts: PoolOptions): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const [i, file] of files.entries()) {
    const job = jobFor(i, file, opts);
    opts.onStart?.(file);
    const r = await runScenarioFile(file, executeOptions(job));
    out.push(r);
    opts.onResult?.(r, out.length, files.length);
  }
  return out;
}

export async function runPool(files: readonly string[], opts: PoolOptions): Promise<ScenarioResult[]> {
  const jobs = Math.max(1, Math.min(opts.jobs, files.length));
  if (jobs === 1) return inProcess(files, opts);
  const results: ScenarioResult[] = new Array(files.length);
  let next = 0;
  let done = 0;
  const workers = Array.from(
    { length: jobs },
    () => new Worker(new URL('./worker.ts', import.meta.url).href),
  );
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= files.length) return resolve();
              const id = next++;
              opts.onStart?.(files[id]!);
              w.postMessage(jobFor(id, files[id]!, opts));
            };
            w.onmessage = (e: MessageEvent<WorkerReply>) => {
              const reply = e.data;
              if (!reply.ok) return reject(new Error(`${files[reply.id]}: ${reply.message}`));
              results[reply.id] = reply.result;
              done++;
              opts.onResult?.(reply.result, done, files.length);
              feed();
            };
            w.onerror = (e) => reject(new Error(`a scenario worker failed: ${e.message}`));
            feed();
          }),
      ),
    );
  } finally {
    for (const w of workers) w.terminate();
  }
  return results;
}
