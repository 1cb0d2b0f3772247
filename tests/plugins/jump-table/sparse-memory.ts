/** A sparse byte-addressed memory for plugin tests: unwritten bytes read as zero. */
export class SparseMemory {
  private readonly pages = new Map<number, Uint8Array>();
  readonly writes: { gpa: number; length: number }[] = [];

  private page(gfn: number): Uint8Array {
    let p = this.pages.get(gfn);
    if (!p) {
      p = new Uint8Array(4096);
      this.pages.set(gfn, p);
    }
    return p;
  }

  read(gpa: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++)
      out[i] = this.pages.get(Math.floor((gpa + i) / 4096))?.[(gpa + i) % 4096] ?? 0;
    return out;
  }

  write(gpa: number, bytes: Uint8Array): void {
    this.writes.push({ gpa, length: bytes.length });
    for (let i = 0; i < bytes.length; i++)
      this.page(Math.floor((gpa + i) / 4096))[(gpa + i) % 4096] = bytes[i]!;
  }
}

/** Lower-case hex of bytes separated by spaces, for exact comparisons that read well on failure. */
export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
