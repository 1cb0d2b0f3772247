/**
 * Guest physical memory: sparse RAM pages, each private (encrypted) or shared, firmware-reserved
 * ranges, and MMIO ranges backed by devices.
 *
 * Pages hold the guest's plaintext, so the interpreter uses them directly (`ramPage`); the
 * hypervisor's view (`hvRead`/`hvWrite`) goes through the page cipher for private pages.
 */
import type { MmioDevice } from '../devices/mmio-device.ts';
import { AddressMap, checkRange, MAX_GPA, type MmioRange } from './address-map.ts';
import { type FrameRun, FrameRuns } from './frame-runs.ts';
import { HostView } from './host-view.ts';
import { bigintToLe, leToBigint } from './le-bytes.ts';
import { hex, MemoryError } from './memory-error.ts';
import { mmioRead, mmioWrite } from './mmio-dispatch.ts';
import { keyFromSeed, PageCipher } from './page-cipher.ts';
import { PAGE_SHIFT, PAGE_SIZE, PageStore } from './page-store.ts';
import { RangeTable } from './range-table.ts';

export { MAX_GPA, type MmioRange, PAGE_SHIFT, PAGE_SIZE };

export interface GuestMemoryOptions {
  /** Bytes of guest RAM at [0, size): a multiple of PAGE_SIZE, at most 2**52. */
  size: number;
  /** 16-byte VM key; default derived from `seed`. */
  key?: Uint8Array;
  /** Seed for the VM key (default 0), so runs are reproducible. */
  seed?: number;
  /** Whether RAM starts private (C-bit set): true for `sev: es` machines. Default false. */
  defaultEncrypted?: boolean;
}

export interface ReservedRange {
  readonly base: number;
  readonly length: number;
  readonly owner: string;
}

/** A copy of the touched pages and the page attributes; MMIO devices keep their own state. */
export interface MemorySnapshot {
  readonly size: number;
  readonly pages: ReadonlyMap<number, Uint8Array>;
  readonly defaultEncrypted: boolean;
  readonly encryption: readonly FrameRun<boolean>[];
  readonly reserved: readonly ReservedRange[];
}

export class GuestMemory {
  /**
   * Told about every store made through this API (not the interpreter's own stores, which go through
   * `ramPage`): the machine uses it to drop decoded code that a model-side write replaced.
   */
  onStore: ((gpa: number, length: number) => void) | null = null;
  readonly size: number;
  private readonly frames: number;
  private readonly store = new PageStore();
  /** The store's Map, read directly by the fast paths. */
  private readonly pages = this.store.pages;
  private readonly views = this.store.views;
  private readonly map: AddressMap;
  private readonly host: HostView;
  private defaultEncrypted: boolean;
  /** Frames whose attribute differs from the default. */
  private encryption = new FrameRuns<boolean>();
  private reserved = new RangeTable<ReservedRange>();

  constructor(opts: GuestMemoryOptions) {
    const { size, key, seed = 0, defaultEncrypted = false } = opts;
    if (!Number.isInteger(size) || size <= 0 || size % PAGE_SIZE !== 0 || size > MAX_GPA) {
      throw new MemoryError(
        `Guest memory size ${size} is not allowed: give a positive multiple of ${PAGE_SIZE} up to 2**52.`,
      );
    }
    if (key !== undefined && key.length !== 16) {
      throw new MemoryError(`The VM key has ${key.length} bytes: an AES-128 key has exactly 16.`);
    }
    if (!Number.isInteger(seed))
      throw new MemoryError(`Seed ${seed} is not an integer: give an integer seed.`);
    this.size = size;
    this.frames = size / PAGE_SIZE;
    this.defaultEncrypted = defaultEncrypted;
    this.map = new AddressMap(size);
    const cipher = new PageCipher(key ?? keyFromSeed(seed));
    this.host = new HostView(this.store, cipher, (gfn) => this.encryption.get(gfn) ?? this.defaultEncrypted);
  }

  /**
   * The interpreter's fast path: the plaintext page of frame `gfn`, live (writes to it land in memory).
   * undefined when the frame is not RAM, or is RAM never touched and `create` is false (it reads zeros).
   */
  ramPage(gfn: number, create: boolean): Uint8Array | undefined {
    const page = this.pages.get(gfn);
    if (page !== undefined || !create) return page;
    if (!Number.isInteger(gfn) || gfn < 0 || gfn >= this.frames || this.map.mmio.at(gfn * PAGE_SIZE)) {
      return undefined;
    }
    return this.store.materialise(gfn);
  }

  touchedPages(): number {
    return this.store.count;
  }

  // ---- Guest view: plaintext, MMIO ranges dispatched to their devices ----

  read(gpa: number, length: number): Uint8Array {
    // Checked before the buffer is made, so a bad length is a MemoryError, not a RangeError.
    checkRange(gpa, length, 'read');
    const out = new Uint8Array(length);
    for (const seg of this.map.segments(gpa, length, 'read')) {
      const dst = out.subarray(seg.gpa - gpa, seg.gpa - gpa + seg.length);
      if (seg.kind === 'ram') this.store.read(seg.gpa, dst);
      else mmioRead(seg, dst);
    }
    return out;
  }

  write(gpa: number, bytes: Uint8Array): void {
    this.onStore?.(gpa, bytes.length);
    // All pieces are checked before any is written: a bad range changes nothing.
    for (const seg of this.map.segments(gpa, bytes.length, 'write')) {
      const src = bytes.subarray(seg.gpa - gpa, seg.gpa - gpa + seg.length);
      if (seg.kind === 'ram') this.store.write(seg.gpa, src);
      else mmioWrite(seg, src);
    }
  }

  // Fixed-width accessors: a touched RAM page is read in place; anything else (untouched page, MMIO,
  // a page-crossing access, a bad address) takes the general path. A fractional or negative gpa never
  // matches a page here, because `off` is then fractional or the frame is negative.

  read8(gpa: number): number {
    const v = this.pages.get(Math.floor(gpa / PAGE_SIZE))?.[gpa % PAGE_SIZE];
    return v !== undefined ? v : Number(this.readSlow(gpa, 1));
  }

  read16(gpa: number): number {
    const p = this.pages.get(Math.floor(gpa / PAGE_SIZE));
    const off = gpa % PAGE_SIZE;
    if (p !== undefined && (off | 0) === off && off <= PAGE_SIZE - 2) return p[off]! | (p[off + 1]! << 8);
    return Number(this.readSlow(gpa, 2));
  }

  read32(gpa: number): number {
    const p = this.pages.get(Math.floor(gpa / PAGE_SIZE));
    const off = gpa % PAGE_SIZE;
    if (p !== undefined && (off | 0) === off && off <= PAGE_SIZE - 4) {
      return (p[off]! | (p[off + 1]! << 8) | (p[off + 2]! << 16) | (p[off + 3]! << 24)) >>> 0;
    }
    return Number(this.readSlow(gpa, 4));
  }

  read64(gpa: number): bigint {
    const view = this.views.get(Math.floor(gpa / PAGE_SIZE));
    const off = gpa % PAGE_SIZE;
    if (view !== undefined && (off | 0) === off && off <= PAGE_SIZE - 8) return view.getBigUint64(off, true);
    return this.readSlow(gpa, 8);
  }

  /** Stores `value`, an 8-bit integer (unsigned, or signed two's complement). */
  write8(gpa: number, value: number): void {
    if (!((value | 0) === value && value >= -0x80 && value <= 0xff)) badValue('write8', gpa, value, 8);
    this.onStore?.(gpa, 1);
    const p = this.pages.get(Math.floor(gpa / PAGE_SIZE));
    const off = gpa % PAGE_SIZE;
    if (p !== undefined && (off | 0) === off) p[off] = value;
    else this.writeSlow(gpa, 1, BigInt(value & 0xff));
  }

  /** Stores `value`, a 16-bit integer (unsigned, or signed two's complement), little endian. */
  write16(gpa: number, value: number): void {
    if (!((value | 0) === value && value >= -0x8000 && value <= 0xffff)) badValue('write16', gpa, value, 16);
    this.onStore?.(gpa, 2);
    const p = this.pages.get(Math.floor(gpa / PAGE_SIZE));
    const off = gpa % PAGE_SIZE;
    if (p !== undefined && (off | 0) === off && off <= PAGE_SIZE - 2) {
      p[off] = value;
      p[off + 1] = value >>> 8;
    } else {
      this.writeSlow(gpa, 2, BigInt(value & 0xffff));
    }
  }

  /** Stores `value`, a 32-bit integer (unsigned, or signed two's complement), little endian. */
  write32(gpa: number, value: number): void {
    if (!(Number.isInteger(value) && value >= -0x8000_0000 && value <= 0xffff_ffff))
      badValue('write32', gpa, value, 32);
    this.onStore?.(gpa, 4);
    const p = this.pages.get(Math.floor(gpa / PAGE_SIZE));
    const off = gpa % PAGE_SIZE;
    if (p !== undefined && (off | 0) === off && off <= PAGE_SIZE - 4) {
      p[off] = value;
      p[off + 1] = value >>> 8;
      p[off + 2] = value >>> 16;
      p[off + 3] = value >>> 24;
    } else {
      this.writeSlow(gpa, 4, BigInt(value >>> 0));
    }
  }

  /** Stores `value`, a 64-bit integer (unsigned, or signed two's complement), little endian. */
  write64(gpa: number, value: bigint): void {
    if (!(typeof value === 'bigint' && value >= -(1n << 63n) && value < 1n << 64n))
      badValue('write64', gpa, value, 64);
    this.onStore?.(gpa, 8);
    const view = this.views.get(Math.floor(gpa / PAGE_SIZE));
    const off = gpa % PAGE_SIZE;
    if (view !== undefined && (off | 0) === off && off <= PAGE_SIZE - 8) view.setBigUint64(off, value, true);
    else this.writeSlow(gpa, 8, BigInt.asUintN(64, value));
  }

  // ---- Page attributes ----

  /**
   * Marks whole pages private or shared. The guest keeps seeing the same plaintext: the model stands
   * for a kernel that re-encrypts in place when it flips the C-bit (early_set_memory_enc_dec copies
   * through a bounce buffer), not for one that flips it and then reads stale ciphertext.
   */
  setEncrypted(gpa: number, length: number, encrypted: boolean): void {
    checkRange(gpa, length, 'setEncrypted');
    this.map.checkPages(gpa, length, 'setEncrypted', 'the C-bit is per page');
    this.map.checkRam(gpa, length, 'setEncrypted');
    const start = gpa / PAGE_SIZE;
    const value = encrypted === this.defaultEncrypted ? undefined : encrypted;
    this.encryption.set(start, start + length / PAGE_SIZE, value);
  }

  /** Whether the page at `gpa` is private. MMIO is always shared: devices see what the guest sends. */
  isEncrypted(gpa: number): boolean {
    checkRange(gpa, 1, 'isEncrypted');
    if (this.map.mmio.at(gpa)) return false;
    this.map.checkRam(gpa, 1, 'isEncrypted');
    return this.encryption.get(Math.floor(gpa / PAGE_SIZE)) ?? this.defaultEncrypted;
  }

  /**
   * Firmware-reserved RAM (the e820 reserved type): owned by firmware, still writable by the OS. Whole
   * pages, as firmware allocates them (edk2 AllocateReservedPages).
   */
  reserve(gpa: number, length: number, owner: string): void {
    const call = `reserve(${hex(gpa)}, ${hex(length)})`;
    this.map.checkRam(gpa, length, 'reserve');
    this.map.checkPages(gpa, length, 'reserve', 'firmware reserves whole pages');
    if (length === 0 || owner === '') {
      throw new MemoryError(`${call} is empty or has no owner: give a non-zero length and an owner name.`);
    }
    const clash = this.reserved.overlapping(gpa, length);
    if (clash) {
      throw new MemoryError(
        `${call} overlaps the range reserved by '${clash.owner}' at ${hex(clash.base)} ` +
          `(${hex(clash.length)} bytes): reserved ranges may not overlap.`,
      );
    }
    const mmio = this.map.mmio.overlapping(gpa, length);
    if (mmio) {
      throw new MemoryError(
        `${call} overlaps the MMIO range of '${mmio.device.name}' at ${hex(mmio.base)}: only RAM can be reserved.`,
      );
    }
    this.reserved.add({ base: gpa, length, owner });
  }

  reservedAt(gpa: number): ReservedRange | undefined {
    return this.reserved.at(gpa);
  }

  reservedRanges(): readonly ReservedRange[] {
    return this.reserved.all();
  }

  /**
   * Maps a device over [gpa, gpa + length), inside or beyond RAM. Page granular, because the
   * hypervisor marks MMIO in the nested page table by page (KVM svm_adjust_mmio_mask: reserved bits, so #VC).
   */
  addMmio(gpa: number, length: number, device: MmioDevice): void {
    const call = `addMmio(${hex(gpa)}, ${hex(length)}) for '${device.name}'`;
    checkRange(gpa, length, 'addMmio');
    this.map.checkPages(gpa, length, 'addMmio', 'MMIO is mapped by page');
    const clash = this.map.mmio.overlapping(gpa, length);
    if (clash) {
      throw new MemoryError(
        `${call} overlaps '${clash.device.name}' at ${hex(clash.base)} (${hex(clash.length)} bytes): ` +
          'MMIO ranges may not overlap.',
      );
    }
    const reserved = this.reserved.overlapping(gpa, length);
    if (reserved) {
      throw new MemoryError(
        `${call} overlaps RAM reserved by '${reserved.owner}' at ${hex(reserved.base)}: ` +
          'MMIO may not cover reserved RAM.',
      );
    }
    const touched = this.store.firstTouched(gpa / PAGE_SIZE, (gpa + length) / PAGE_SIZE);
    if (touched !== undefined) {
      throw new MemoryError(
        `${call} covers RAM already written at ${hex(touched * PAGE_SIZE)}: ` +
          'add MMIO ranges before the pages they cover are used.',
      );
    }
    this.map.mmio.add({ base: gpa, length, device });
  }

  /** Unmaps the MMIO range that starts at `gpa` (a plugin's undo); its frames become RAM or nothing. */
  removeMmio(gpa: number): void {
    if (this.map.mmio.remove(gpa) === undefined) {
      throw new MemoryError(
        `removeMmio(${Number.isInteger(gpa) ? hex(gpa) : gpa}) matches no MMIO range: give the base of a range ` +
          'added with addMmio.',
      );
    }
  }

  mmioAt(gpa: number): { base: number; device: MmioDevice } | undefined {
    const r = this.map.mmio.at(gpa);
    return r && { base: r.base, device: r.device };
  }

  mmioRanges(): readonly MmioRange[] {
    return this.map.mmio.all();
  }

  // ---- Hypervisor view ----

  /** What the host reads through its own mapping: ciphertext for private pages, plaintext for shared. */
  hvRead(gpa: number, length: number): Uint8Array {
    this.checkHostRange(gpa, length, 'hvRead');
    const out = new Uint8Array(length);
    this.host.read(gpa, out);
    return out;
  }

  /** What the host writes: into a private page, the guest then reads the decryption of these bytes. */
  hvWrite(gpa: number, bytes: Uint8Array): void {
    this.onStore?.(gpa, bytes.length);
    this.checkHostRange(gpa, bytes.length, 'hvWrite');
    this.host.write(gpa, bytes);
  }

  // ---- Snapshots ----

  snapshot(): MemorySnapshot {
    return {
      size: this.size,
      pages: this.store.copy(),
      defaultEncrypted: this.defaultEncrypted,
      encryption: [...this.encryption.entries()],
      reserved: [...this.reserved.all()],
    };
  }

  /** Puts back pages and attributes; the snapshot stays usable for another restore. */
  restore(s: MemorySnapshot): void {
    if (s.size !== this.size) {
      throw new MemoryError(
        `The snapshot is of ${hex(s.size)} bytes of memory and this memory has ${hex(this.size)}: ` +
          'restore a snapshot taken from memory of the same size.',
      );
    }
    for (const gfn of s.pages.keys()) {
      const mmio = this.map.mmio.at(gfn * PAGE_SIZE);
      if (mmio) {
        throw new MemoryError(
          `The snapshot holds RAM at ${hex(gfn * PAGE_SIZE)}, now MMIO of '${mmio.device.name}': ` +
            'restore snapshots into memory with the same MMIO map.',
        );
      }
    }
    this.store.restore(s.pages);
    this.defaultEncrypted = s.defaultEncrypted;
    this.encryption = new FrameRuns(s.encryption);
    this.reserved = new RangeTable(s.reserved);
  }

  // ---- Slow paths ----

  private readSlow(gpa: number, size: number): bigint {
    // A never-touched RAM page reads as zero without building segments.
    if (this.map.isPlainRam(gpa, size) && this.pages.get(Math.floor(gpa / PAGE_SIZE)) === undefined) {
      if (gpa % PAGE_SIZE <= PAGE_SIZE - size) return 0n;
    }
    return leToBigint(this.read(gpa, size));
  }

  private writeSlow(gpa: number, size: number, value: bigint): void {
    this.write(gpa, bigintToLe(value, size));
  }

  /** The host's mapping covers RAM only; it reaches devices through `mmioAt`. */
  private checkHostRange(gpa: number, length: number, op: string): void {
    for (const seg of this.map.segments(gpa, length, op)) {
      if (seg.kind === 'mmio') {
        throw new MemoryError(
          `${op}(${hex(gpa)}, ${hex(length)}) reaches the MMIO range of '${seg.range.device.name}' at ` +
            `${hex(seg.range.base)}: the host view covers RAM only; call the device from mmioAt().`,
        );
      }
    }
  }
}

/** A store of a value its width cannot hold: refused rather than cut down to the low bits. */
function badValue(op: string, gpa: number, value: number | bigint, bits: number): never {
  const at = Number.isInteger(gpa) && gpa >= 0 ? hex(gpa) : String(gpa);
  const shown =
    typeof value === 'bigint'
      ? `${value < 0n ? '-' : ''}0x${(value < 0n ? -value : value).toString(16)}`
      : String(value);
  throw new MemoryError(
    `${op}(${at}, ${shown}): the value is not a${bits === 8 ? 'n' : ''} ${bits}-bit integer; give an integer from ` +
      `-2**${bits - 1} to 2**${bits} - 1.`,
  );
}
