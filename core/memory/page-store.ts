/**
 * The materialised RAM pages: a Map from frame number to the page's 4 KiB of guest plaintext. A frame
 * not in the Map has never been written and reads as zeros, so declaring a TiB costs nothing.
 */
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

export class PageStore {
  /** Shared with the fast paths; `restore` refills it in place so references stay valid. */
  readonly pages = new Map<number, Uint8Array>();
  /** A DataView over each page: 64-bit loads through it beat composing a bigint from bytes 4 to 1. */
  readonly views = new Map<number, DataView>();

  get count(): number {
    return this.pages.size;
  }

  materialise(gfn: number): Uint8Array {
    let page = this.pages.get(gfn);
    if (page === undefined) {
      page = new Uint8Array(PAGE_SIZE);
      this.pages.set(gfn, page);
      this.views.set(gfn, new DataView(page.buffer));
    }
    return page;
  }

  /** Copies RAM at `gpa` into `dst`; never-touched pages read as zeros and stay untouched. */
  read(gpa: number, dst: Uint8Array): void {
    for (let done = 0; done < dst.length; ) {
      const addr = gpa + done;
      const off = addr % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, dst.length - done);
      const page = this.pages.get((addr - off) / PAGE_SIZE);
      if (page !== undefined) dst.set(page.subarray(off, off + n), done);
      done += n;
    }
  }

  write(gpa: number, src: Uint8Array): void {
    for (let done = 0; done < src.length; ) {
      const addr = gpa + done;
      const off = addr % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, src.length - done);
      this.materialise((addr - off) / PAGE_SIZE).set(src.subarray(done, done + n), off);
      done += n;
    }
  }

  /** The lowest materialised frame in [start, end), walking whichever of the two is smaller. */
  firstTouched(start: number, end: number): number | undefined {
    if (end - start < this.pages.size) {
      for (let gfn = start; gfn < end; gfn++) if (this.pages.has(gfn)) return gfn;
      return undefined;
    }
    let first: number | undefined;
    for (const gfn of this.pages.keys()) {
      if (gfn >= start && gfn < end && (first === undefined || gfn < first)) first = gfn;
    }
    return first;
  }

  copy(): Map<number, Uint8Array> {
    const out = new Map<number, Uint8Array>();
    for (const [gfn, page] of this.pages) out.set(gfn, page.slice());
    return out;
  }

  /**
   * Puts a copy's pages back. A frame in both keeps its Uint8Array, refilled, so a page someone holds
   * (from `ramPage`) is still the live one; a frame the copy never touched is dropped, zero-filled first
   * so that a holder of it reads what the restored memory reads there.
   */
  restore(pages: ReadonlyMap<number, Uint8Array>): void {
    for (const [gfn, page] of this.pages) {
      if (pages.has(gfn)) continue;
      page.fill(0);
      this.pages.delete(gfn);
      this.views.delete(gfn);
    }
    for (const [gfn, page] of pages) this.materialise(gfn).set(page);
  }
}

/** Calls `visit` for each page piece of [gpa, gpa + length): the page's address, offset, byte count, and
 * how far into the range the piece starts. */
export function forEachPage(
  gpa: number,
  length: number,
  visit: (pageGpa: number, off: number, n: number, at: number) => void,
): void {
  for (let done = 0; done < length; ) {
    const addr = gpa + done;
    const off = addr % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, length - done);
    visit(addr - off, off, n, done);
    done += n;
  }
}
