/**
 * The hypervisor's own mapping of guest RAM. The host has no key: it reads private pages as their
 * ciphertext, and what it writes into them is ciphertext too, so every 16-byte block it touches
 * decrypts to garbage for the guest, as on hardware (AMD APM Vol. 2, "Secure Encrypted
 * Virtualization"). Shared pages pass through unchanged. Callers have checked that the range is RAM.
 */
import { CIPHER_BLOCK, type PageCipher } from './page-cipher.ts';
import { forEachPage, PAGE_SIZE, type PageStore } from './page-store.ts';

export class HostView {
  constructor(
    private readonly store: PageStore,
    private readonly cipher: PageCipher,
    private readonly isPrivate: (gfn: number) => boolean,
  ) {}

  read(gpa: number, out: Uint8Array): void {
    forEachPage(gpa, out.length, (pageGpa, off, n, at) => {
      if (!this.isPrivate(pageGpa / PAGE_SIZE)) {
        this.store.read(pageGpa + off, out.subarray(at, at + n));
        return;
      }
      const [lo, hi] = blockSpan(off, n);
      const cipher = this.cipher.encrypt(pageGpa + lo, this.plainBlocks(pageGpa, lo, hi));
      out.set(cipher.subarray(off - lo, off - lo + n), at);
    });
  }

  write(gpa: number, bytes: Uint8Array): void {
    forEachPage(gpa, bytes.length, (pageGpa, off, n, at) => {
      const src = bytes.subarray(at, at + n);
      if (!this.isPrivate(pageGpa / PAGE_SIZE)) {
        this.store.write(pageGpa + off, src);
        return;
      }
      // The bytes around the written ones in each block keep their ciphertext; the whole block is
      // then decrypted, as the memory controller would on the guest's next read.
      const [lo, hi] = blockSpan(off, n);
      const cipher = this.cipher.encrypt(pageGpa + lo, this.plainBlocks(pageGpa, lo, hi));
      cipher.set(src, off - lo);
      this.store.materialise(pageGpa / PAGE_SIZE).set(this.cipher.decrypt(pageGpa + lo, cipher), lo);
    });
  }

  private plainBlocks(pageGpa: number, lo: number, hi: number): Uint8Array {
    const page = this.store.pages.get(pageGpa / PAGE_SIZE);
    return page ? page.slice(lo, hi) : new Uint8Array(hi - lo);
  }
}

/** The 16-byte-aligned span [lo, hi) within a page that covers bytes [off, off + n). */
function blockSpan(off: number, n: number): [number, number] {
  const lo = off - (off % CIPHER_BLOCK);
  const hi = Math.ceil((off + n) / CIPHER_BLOCK) * CIPHER_BLOCK;
  return [lo, hi];
}
