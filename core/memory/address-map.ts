/**
 * What lies at each guest physical address: RAM at [0, size), MMIO ranges (inside or beyond RAM),
 * nothing elsewhere. Splits an access into RAM and MMIO pieces and words the errors for bad ones.
 */
import type { MmioDevice } from '../devices/mmio-device.ts';
import { hex, MemoryError } from './memory-error.ts';
import { PAGE_SIZE } from './page-store.ts';
import { RangeTable } from './range-table.ts';

/** 52-bit guest physical addresses: the architectural MAXPHYADDR limit, and exact in a JS number. */
export const MAX_GPA = 2 ** 52;

export interface MmioRange {
  readonly base: number;
  readonly length: number;
  readonly device: MmioDevice;
}

export type Segment =
  | { kind: 'ram'; gpa: number; length: number }
  | { kind: 'mmio'; gpa: number; length: number; range: MmioRange };

export class AddressMap {
  readonly mmio = new RangeTable<MmioRange>();

  constructor(readonly size: number) {}

  /** Splits [gpa, gpa + length) into RAM and MMIO pieces; any byte that is neither is a MemoryError. */
  segments(gpa: number, length: number, op: string): Segment[] {
    checkRange(gpa, length, op);
    const end = gpa + length;
    const out: Segment[] = [];
    for (let cur = gpa; cur < end; ) {
      const range = this.mmio.at(cur);
      if (range) {
        const stop = Math.min(end, range.base + range.length);
        out.push({ kind: 'mmio', gpa: cur, length: stop - cur, range });
        cur = stop;
        continue;
      }
      if (cur >= this.size) {
        throw new MemoryError(
          `${op}(${hex(gpa)}, ${hex(length)}) reaches ${hex(cur)}, which is neither RAM nor MMIO: ` +
            `${this.describe()}.`,
        );
      }
      const stop = Math.min(end, this.size, this.mmio.after(cur)?.base ?? end);
      out.push({ kind: 'ram', gpa: cur, length: stop - cur });
      cur = stop;
    }
    return out;
  }

  /** Whether [gpa, gpa + length) is RAM with no MMIO in it: the cheap test for small accesses. */
  isPlainRam(gpa: number, length: number): boolean {
    return (
      Number.isInteger(gpa) &&
      gpa >= 0 &&
      gpa + length <= this.size &&
      this.mmio.at(gpa) === undefined &&
      (this.mmio.after(gpa)?.base ?? Number.POSITIVE_INFINITY) >= gpa + length
    );
  }

  /** Checks that [gpa, gpa + length) is a valid range lying wholly inside RAM. */
  checkRam(gpa: number, length: number, op: string): void {
    checkRange(gpa, length, op);
    if (gpa + length > this.size) {
      throw new MemoryError(
        `${op}(${hex(gpa)}, ${hex(length)}) goes past the end of RAM: RAM is [0, ${hex(this.size)}).`,
      );
    }
  }

  describe(): string {
    const ram = `RAM is [0, ${hex(this.size)})`;
    const all = this.mmio.all();
    if (all.length === 0) return ram;
    const mmio = all.map((r) => `[${hex(r.base)}, ${hex(r.base + r.length)}) '${r.device.name}'`);
    return `${ram} and MMIO is ${mmio.join(', ')}`;
  }

  /** Checks that [gpa, gpa + length) is whole pages, for attributes the hardware keeps per page. */
  checkPages(gpa: number, length: number, op: string, what: string): void {
    if (length === 0 || gpa % PAGE_SIZE !== 0 || length % PAGE_SIZE !== 0) {
      throw new MemoryError(
        `${op}(${hex(gpa)}, ${hex(length)}) is not whole pages: ${what}, so give a non-zero address ` +
          `and length that are multiples of ${hex(PAGE_SIZE)}.`,
      );
    }
  }
}

export function checkRange(gpa: number, length: number, op: string): void {
  if (
    !Number.isInteger(gpa) ||
    gpa < 0 ||
    !Number.isInteger(length) ||
    length < 0 ||
    gpa + length > MAX_GPA
  ) {
    const at = Number.isInteger(gpa) && gpa >= 0 ? hex(gpa) : String(gpa);
    throw new MemoryError(
      `${op}(${at}, ${length}) is not a valid range: give a non-negative integer address and length ` +
        'that end at or below 2**52.',
    );
  }
}
