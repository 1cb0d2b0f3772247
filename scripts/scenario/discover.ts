/**
 * Which files a run covers: PATHS expanded (folders recursively, `*.yaml` / `*.yml`), sorted, and cut
 * into the `--shard I/N` slice. Shards are contiguous slices of the sorted list, as Playwright cuts
 * them, so every file lands in exactly one shard and the union of all shards is the whole list.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SCENARIO_FILE = /\.ya?ml$/;

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (SCENARIO_FILE.test(name)) out.push(p);
  }
}

/** Scenario files under the given paths, sorted, without duplicates; throws a sentence for a missing path. */
export function discover(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new Error(`${p}: no such file or folder; give scenario files or folders of them`);
    }
    if (isDir) walk(p, out);
    else out.push(p);
  }
  const cwd = process.cwd();
  return [...new Set(out.map((f) => relative(cwd, f) || f))].sort();
}

export interface Shard {
  index: number;
  total: number;
}

/** `2/3` -> { index: 2, total: 3 }; null when malformed. */
export function parseShard(text: string): Shard | null {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) return null;
  const index = Number(m[1]);
  const total = Number(m[2]);
  return total >= 1 && index >= 1 && index <= total ? { index, total } : null;
}

export function shardOf<T>(items: readonly T[], s: Shard): T[] {
  const from = Math.floor(((s.index - 1) * items.length) / s.total);
  const to = Math.floor((s.index * items.length) / s.total);
  return items.slice(from, to);
}
