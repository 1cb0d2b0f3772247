/**
 * The decoded-instruction cache, shared by every vCPU of a machine (4096 idle vCPUs must not each hold
 * one). Keyed by guest physical address and code size: the same bytes mean different instructions in
 * 16-, 32- and 64-bit code. A block is a straight run of decoded instructions inside one page.
 *
 * Writes that hit a page holding cached code drop that page's blocks: the AP jump-table blob patches
 * the operand of its own far jump (ap_jump_table.S), and a kexec'ed kernel reuses memory.
 * The interpreter reports its own stores; code that writes guest memory from outside a vCPU (the
 * kernel model installing a blob) calls `invalidatePage`, or `clear()`.
 */
import type { CodeSize } from './insn.ts';

export interface CachedBlock {
  /** False once a write hit its page: a vCPU still holding it must look it up again. */
  valid: boolean;
}

const SIZE_INDEX = { 16: 0, 32: 1, 64: 2 } as const;

export class DecodeCache<B extends CachedBlock = CachedBlock> {
  private readonly blocks = new Map<number, B>();
  private readonly pageKeys = new Map<number, number[]>();
  /** Bumped when a page becomes a code page, so vCPUs drop write-TLB entries that skip the check. */
  epoch = 0;
  /**
   * Runs after which a block is compiled to one function (exec/compile.ts); Infinity never compiles.
   * Hot loops pay the compile once; code that runs a few times never does.
   */
  compileAfter = 32;
  /**
   * False binds every instruction to its generic handler (no specialised closures, exec/bind.ts):
   * the conformance run uses it so the generic handlers meet the outside truth as well.
   */
  specialise = true;
  /** Counters for the bench and tests. */
  hits = 0;
  misses = 0;
  invalidations = 0;

  static key(gpa: number, codeSize: CodeSize): number {
    return gpa * 4 + SIZE_INDEX[codeSize];
  }

  get(key: number): B | undefined {
    return this.blocks.get(key);
  }

  /** True when the page (guest frame number) holds cached code. */
  isCodePage(gfn: number): boolean {
    return this.pageKeys.has(gfn);
  }

  put(key: number, gfn: number, block: B): void {
    this.blocks.set(key, block);
    let keys = this.pageKeys.get(gfn);
    if (keys === undefined) {
      keys = [];
      this.pageKeys.set(gfn, keys);
      this.epoch++;
    }
    keys.push(key);
  }

  /** Drop every block decoded from page `gfn`. */
  invalidatePage(gfn: number): void {
    const keys = this.pageKeys.get(gfn);
    if (keys === undefined) return;
    for (const k of keys) {
      const b = this.blocks.get(k);
      if (b !== undefined) b.valid = false;
      this.blocks.delete(k);
    }
    this.pageKeys.delete(gfn);
    this.invalidations++;
  }

  /** Drop every block whose page intersects [gpa, gpa + length). */
  invalidateRange(gpa: number, length: number): void {
    if (length <= 0) return;
    const last = Math.floor((gpa + length - 1) / 4096);
    for (let gfn = Math.floor(gpa / 4096); gfn <= last; gfn++) this.invalidatePage(gfn);
  }

  clear(): void {
    for (const b of this.blocks.values()) b.valid = false;
    this.blocks.clear();
    this.pageKeys.clear();
    this.epoch++;
  }

  get size(): number {
    return this.blocks.size;
  }
}
