/** One run of page frames [start, end) that carries a value. */
export interface FrameRun<V> {
  readonly start: number;
  readonly end: number;
  readonly value: V;
}

/**
 * Sorted, disjoint runs of page frames, each carrying a value; a frame in no run has none. Page
 * attributes live here instead of in a per-page table so that marking 1 TiB shared costs one run.
 */
export class FrameRuns<V> {
  private runs: FrameRun<V>[] = [];

  constructor(runs: readonly FrameRun<V>[] = []) {
    this.runs = runs.map((r) => ({ ...r }));
  }

  get(frame: number): V | undefined {
    let lo = 0;
    let hi = this.runs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const run = this.runs[mid]!;
      if (frame < run.start) hi = mid - 1;
      else if (frame >= run.end) lo = mid + 1;
      else return run.value;
    }
    return undefined;
  }

  /** Gives frames [start, end) the value, or no value when `value` is undefined. */
  set(start: number, end: number, value: V | undefined): void {
    const kept: FrameRun<V>[] = [];
    for (const run of this.runs) {
      if (run.end <= start || run.start >= end) {
        kept.push(run);
        continue;
      }
      if (run.start < start) kept.push({ start: run.start, end: start, value: run.value });
      if (run.end > end) kept.push({ start: end, end: run.end, value: run.value });
    }
    if (value !== undefined) kept.push({ start, end, value });
    kept.sort((a, b) => a.start - b.start);
    const merged: FrameRun<V>[] = [];
    for (const run of kept) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last.end === run.start && last.value === run.value) {
        merged[merged.length - 1] = { start: last.start, end: run.end, value: run.value };
      } else {
        merged.push(run);
      }
    }
    this.runs = merged;
  }

  entries(): readonly FrameRun<V>[] {
    return this.runs;
  }
}
