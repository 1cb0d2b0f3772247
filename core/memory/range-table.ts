/** A byte range of guest physical addresses, [base, base + length). */
export interface AddressRange {
  readonly base: number;
  readonly length: number;
}

/** Disjoint address ranges sorted by base: the MMIO map and the firmware-reserved map. */
export class RangeTable<T extends AddressRange> {
  private items: T[] = [];

  constructor(items: readonly T[] = []) {
    this.items = [...items].sort((a, b) => a.base - b.base);
  }

  /** The first range that shares a byte with [base, base + length), if any. */
  overlapping(base: number, length: number): T | undefined {
    return this.items.find((r) => r.base < base + length && base < r.base + r.length);
  }

  /** Adds a range; callers check `overlapping` first. */
  add(item: T): void {
    this.items.push(item);
    this.items.sort((a, b) => a.base - b.base);
  }

  /** Removes the range starting at `base`; returns it, or undefined if no range starts there. */
  remove(base: number): T | undefined {
    const i = this.items.findIndex((r) => r.base === base);
    return i < 0 ? undefined : this.items.splice(i, 1)[0];
  }

  /** The range containing `addr`, if any. */
  at(addr: number): T | undefined {
    const i = this.lastStartingAtOrBefore(addr);
    const r = this.items[i];
    return r !== undefined && addr < r.base + r.length ? r : undefined;
  }

  /** The first range starting above `addr`, if any. */
  after(addr: number): T | undefined {
    return this.items[this.lastStartingAtOrBefore(addr) + 1];
  }

  all(): readonly T[] {
    return this.items;
  }

  private lastStartingAtOrBefore(addr: number): number {
    let lo = 0;
    let hi = this.items.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]!.base <= addr) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi;
  }
}
