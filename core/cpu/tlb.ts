/**
 * The software TLB: a direct-mapped cache from linear page number to the RAM page behind it, one for
 * reads and one for writes (filled only after a write walk set the dirty bit and the page holds no
 * cached code). MMIO pages never enter it. Flushed on CR3 writes, INVLPG, CR0/CR4 paging changes, CPL
 * changes and at the start of every run (guest memory may have been restored in between).
 */
export const TLB_SIZE = 64;
export const TLB_MASK = TLB_SIZE - 1;

export class Tlb {
  readonly readTag = new Float64Array(TLB_SIZE).fill(Number.NaN);
  readonly readPage: (Uint8Array | undefined)[] = new Array(TLB_SIZE).fill(undefined);
  readonly writeTag = new Float64Array(TLB_SIZE).fill(Number.NaN);
  readonly writePage: (Uint8Array | undefined)[] = new Array(TLB_SIZE).fill(undefined);
  /** DecodeCache.epoch when the write side was last flushed. */
  epoch = -1;
  /** Last instruction-fetch translation: linear page number -> guest frame number. */
  fetchLpn = Number.NaN;
  fetchGfn = 0;
  /** Bumped by every flush and by CS/mode changes (modes.ts updateMode): chained blocks re-check. */
  fetchEpoch = 0;

  flush(): void {
    this.fetchEpoch++;
    this.readTag.fill(Number.NaN);
    this.writeTag.fill(Number.NaN);
    this.fetchLpn = Number.NaN;
  }

  flushWrites(): void {
    this.writeTag.fill(Number.NaN);
  }

  /** INVLPG: drop one linear page. */
  flushPage(lpn: number): void {
    this.fetchEpoch++;
    const i = lpn & TLB_MASK;
    if (this.readTag[i] === lpn) this.readTag[i] = Number.NaN;
    if (this.writeTag[i] === lpn) this.writeTag[i] = Number.NaN;
    if (this.fetchLpn === lpn) this.fetchLpn = Number.NaN;
  }
}

/** Linear page number; 64-bit linear addresses are signed canonical numbers. */
export function lpnOf(lin: number): number {
  return lin >= 0 && lin <= 0xffffffff ? lin >>> 12 : Math.floor(lin / 4096);
}
