/**
 * Which guest memory a dump covers: System RAM (guest RAM minus the reserved ranges: firmware's e820
 * reserved pages and the crashkernel region, which kexec-tools excludes from the elfcorehdr) and,
 * like makedumpfile, only the pages that hold data: a page the guest never wrote reads as zeros and is
 * left out, so a sparse guest gives a small dump. Consecutive pages form one PT_LOAD.
 */
import { type GuestMemory, PAGE_SIZE } from '../../core/index.ts';
import type { CoreSegment } from './elf-core.ts';

/** Frame numbers of the touched pages, ascending. */
function touchedFrames(memory: GuestMemory): number[] {
  const frames = memory.size / PAGE_SIZE;
  const touched = memory.touchedPages();
  // Walking every frame costs O(guest size); a huge sparse guest lists its pages from a snapshot.
  if (frames <= 16 * touched + 65536) {
    const out: number[] = [];
    for (let gfn = 0; gfn < frames; gfn++) if (memory.ramPage(gfn, false) !== undefined) out.push(gfn);
    return out;
  }
  return [...memory.snapshot().pages.keys()].sort((a, b) => a - b);
}

export function dumpSegments(memory: GuestMemory): CoreSegment[] {
  const excluded = memory
    .reservedRanges()
    .map((r) => [Math.floor(r.base / PAGE_SIZE), Math.ceil((r.base + r.length) / PAGE_SIZE)] as const)
    .sort((a, b) => a[0] - b[0]);
  const out: CoreSegment[] = [];
  let x = 0;
  let run: CoreSegment | null = null;
  for (const gfn of touchedFrames(memory)) {
    while (x < excluded.length && excluded[x]![1] <= gfn) x++;
    if (x < excluded.length && excluded[x]![0] <= gfn) continue;
    const gpa = gfn * PAGE_SIZE;
    if (run && run.paddr + run.size === gpa) run.size += PAGE_SIZE;
    else {
      run = { paddr: gpa, size: PAGE_SIZE };
      out.push(run);
    }
  }
  return out;
}
