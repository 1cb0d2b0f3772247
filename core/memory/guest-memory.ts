/**
 * Guest physical memory: sparse RAM pages, each private (encrypted) or shared, firmware-reserved
 * ranges, and MMIO ranges backed by devices.
 *
 * Pages hold the guest's plaintext, so the interpreter can use them directly (`ramPage`). The
 * hypervisor's view (`hvRead`/`hvWrite`) goes through the page cipher for private pages.
 */
import type { MmioDevice } from '../devices/mmio-device.ts';
import { type FrameRun, FrameRuns } from './frame-runs.ts';
import { hex, MemoryError } from './memory-error.ts';
import { CIPHER_BLOCK, keyFromSeed, PageCipher } from './page-cipher.ts';
import { RangeTable } from './range-table.ts';

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
/** 52-bit guest physical addresses: the architectural MAXPHYADDR limit, and exact in a JS number. */
export const MAX_GPA = 2 ** 52;

export interface GuestMemoryOptions {
  /** Bytes of guest RAM at [0, size): a multiple of PAGE_SIZE, at most 2**52. */
  size: number;
  /** 16-byte VM key; default derived from `seed`. */
  key?: Uint8Array;
  /** Seed for the VM key (default 0). */
  seed?: number;
  /** Whether RAM starts private (C-bit set): true for `sev: es` machines. Default false. */
  defaultEncrypted?: boolean;
}

export interface ReservedRange {
  readonly base: number;
  readonly length: number;
  readonly owner: string;
}

export interface MmioRange {
  readonly base: number;
  readonly length: number;
  readonly device: MmioDevice;
}

/** A copy of the touched pages and the page attributes; MMIO devices keep their own state. */
export interface MemorySnapshot {
  readonly size: number;
  readonly pages: ReadonlyMap<number, Uint8Array>;
  readonly defaultEncrypted: boolean;
  readonly encryption: readonly FrameRun<boolean>[];
  readonly reserved: readonly ReservedRange[];
}

type Segment =
  | { kind: 'ram'; gpa: number; length: number }
  | { kind: 'mmio'; gpa: number; length: number; range: MmioRange };

/** KVM vcpu_mmio_read/vcpu_mmio_write: a device sees pieces of at most 8 bytes. */
const MMIO_PIECE = 8;

export class GuestMemory {
  readonly size: number;
  private readonly frames: number;
  private pages = new Map<number, Uint8Array>();
  private defaultEncrypted: boolean;
  /** Frames whose attribute differs from the default. */
  private encryption = new FrameRuns<boolean>();
  private reserved = new RangeTable<ReservedRange>();
  private readonly mmio = new RangeTable<MmioRange>();
  private readonly cipher: PageCipher;

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
    this.cipher = new PageCipher(key ?? keyFromSeed(seed));
  }

  /**
   * The interpreter's fast path: the plaintext page of frame `gfn`, shared with memory (writes land).
   * undefined when the frame is not RAM, or is RAM never touched and `create` is false (it reads zeros).
   */
  ramPage(gfn: number, create: boolean): Uint8Array | undefined {
    const page = this.pages.get(gfn);
    if (page !== undefined || !create) return page;
    if (!Number.isInteger(gfn) || gfn < 0 || gfn >= this.frames || this.mmio.at(gfn * PAGE_SIZE)) {
      return undefined;
    }
    return this.materialise(gfn);
  }

  touchedPages(): number {
    return this.pages.size;
  }

  // ---- Guest view: plaintext, MMIO ranges dispatched to their devices ----

  read(gpa: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (const seg of this.segments(gpa, length, 'read')) {
      const at = seg.gpa - gpa;
      if (seg.kind === 'ram') this.ramRead(seg.gpa, out.subarray(at, at + seg.length));
      else mmioRead(seg, out.subarray(at, at + seg.length));
    }
    return out;
  }

  write(gpa: number, bytes: Uint8Array): void {
    for (const seg of this.segments(gpa, bytes.length, 'write')) {
      const at = seg.gpa - gpa;
      if (seg.kind === 'ram') this.ramWrite(seg.gpa, bytes.subarray(at, at + seg.length));
      else mmioWrite(seg, bytes.subarray(at, at + seg.length));
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
    const p = this.pages.get(Math.floor(gpa / PAGE_SIZE));
    const off = gpa % PAGE_SIZE;
    if (p !== undefined && (off | 0) === off && off <= PAGE_SIZE - 8) {
      const lo = (p[off]! | (p[off + 1]! << 8) | (p[off + 2]! << 16) | (p[off + 3]! << 24)) >>> 0;
      const hi = (p[off + 4]! | (p[off + 5]! << 8) | (p[off + 6]! << 16) | (p[off + 7]! << 24)) >>> 0;
      return (BigInt(hi) << 32n) | BigInt(lo);
    }
    return this.readSlow(gpa, 8);
  }

  /** Stores the low 8 bits of `value`. */
  write8(gpa: number, value: number): void {
    const p = this.pages.get(Math.floor(gpa / PAGE_SIZE));
    const off = gpa % PAGE_SIZE;
    if (p !== undefined && (off | 0) === off) p[off] = value;
    else this.writeSlow(gpa, 1, BigInt(value & 0xff));
  }

  /** Stores the low 16 bits of `value`, little endian. */
  write16(gpa: number, value: number): void {
    const p = this.pages.get(Math.floor(gpa / PAGE_SIZE));
    const off = gpa % PAGE_SIZE;
    if (p !== undefined && (off | 0) === off && off <= PAGE_SIZE - 2) {
      p[off] = value;
      p[off + 1] = value >>> 8;
    } else {
      this.writeSlow(gpa, 2, BigInt(value & 0xffff));
    }
  }

  /** Stores the low 32 bits of `value`, little endian. */
  write32(gpa: number, value: number): void {
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

  /** Stores the low 64 bits of `value` (two's complement for negatives), little endian. */
  write64(gpa: number, value: bigint): void {
    const p = this.pages.get(Math.floor(gpa / PAGE_SIZE));
    const off = gpa % PAGE_SIZE;
    if (p !== undefined && (off | 0) === off && off <= PAGE_SIZE - 8) {
      const lo = Number(value & 0xffff_ffffn);
      const hi = Number((value >> 32n) & 0xffff_ffffn);
      p[off] = lo;
      p[off + 1] = lo >>> 8;
      p[off + 2] = lo >>> 16;
      p[off + 3] = lo >>> 24;
      p[off + 4] = hi;
      p[off + 5] = hi >>> 8;
      p[off + 6] = hi >>> 16;
      p[off + 7] = hi >>> 24;
    } else {
      this.writeSlow(gpa, 8, BigInt.asUintN(64, value));
    }
  }

  // ---- Page attributes ----

  /**
   * Marks whole pages private or shared. The guest keeps seeing the same plaintext: the model stands
   * for a kernel that re-encrypts in place when it flips the C-bit (sme early_set_memory_enc_dec
   * copies through a bounce buffer), not for one that flips it and reads stale ciphertext.
   */
  setEncrypted(gpa: number, length: number, encrypted: boolean): void {
    this.checkArgs(gpa, length, 'setEncrypted');
    if (gpa % PAGE_SIZE !== 0 || length % PAGE_SIZE !== 0) {
      throw new MemoryError(
        `setEncrypted(${hex(gpa)}, ${hex(length)}) is not page aligned: the C-bit is per page, so give an ` +
          `address and length that are multiples of ${hex(PAGE_SIZE)}.`,
      );
    }
    if (gpa + length > this.size) throw this.outsideRam('setEncrypted', gpa, length);
    const start = gpa / PAGE_SIZE;
    this.encryption.set(
      start,
      start + length / PAGE_SIZE,
      encrypted === this.defaultEncrypted ? undefined : encrypted,
    );
  }

  /** Whether the page at `gpa` is private. MMIO is always shared: devices see what the guest sends. */
  isEncrypted(gpa: number): boolean {
    this.checkArgs(gpa, 1, 'isEncrypted');
    if (this.mmio.at(gpa)) return false;
    if (gpa >= this.size) throw this.outsideRam('isEncrypted', gpa, 1);
    return this.encryption.get(Math.floor(gpa / PAGE_SIZE)) ?? this.defaultEncrypted;
  }

  /** Firmware-reserved RAM (the e820 reserved type): owned by firmware, still writable by the OS. */
  reserve(gpa: number, length: number, owner: string): void {
    this.checkArgs(gpa, length, 'reserve');
    if (length === 0 || owner === '') {
      throw new MemoryError(
        `reserve(${hex(gpa)}, ${hex(length)}, '${owner}') is empty: give a non-zero length and an owner name.`,
      );
    }
    if (gpa + length > this.size) throw this.outsideRam('reserve', gpa, length);
    const clash = this.reserved.overlapping(gpa, length);
    if (clash) {
      throw new MemoryError(
        `reserve(${hex(gpa)}, ${hex(length)}) overlaps the range reserved by '${clash.owner}' at ` +
          `${hex(clash.base)} (${hex(clash.length)} bytes): reserved ranges may not overlap.`,
      );
    }
    const device = this.mmio.overlapping(gpa, length);
    if (device) {
      throw new MemoryError(
        `reserve(${hex(gpa)}, ${hex(length)}) overlaps the MMIO range of '${device.device.name}' at ` +
          `${hex(device.base)}: only RAM can be reserved.`,
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
   * hypervisor marks MMIO in the nested page table by page (mmio-vc.md section 1).
   */
  addMmio(gpa: number, length: number, device: MmioDevice): void {
    this.checkArgs(gpa, length, 'addMmio');
    if (length === 0 || gpa % PAGE_SIZE !== 0 || length % PAGE_SIZE !== 0) {
      throw new MemoryError(
        `addMmio(${hex(gpa)}, ${hex(length)}) for '${device.name}' is not whole pages: MMIO is mapped by ` +
          `page, so give a non-zero address and length that are multiples of ${hex(PAGE_SIZE)}.`,
      );
    }
    const clash = this.mmio.overlapping(gpa, length);
    if (clash) {
      throw new MemoryError(
        `addMmio(${hex(gpa)}, ${hex(length)}) for '${device.name}' overlaps '${clash.device.name}' at ` +
          `${hex(clash.base)} (${hex(clash.length)} bytes): MMIO ranges may not overlap.`,
      );
    }
    const reserved = this.reserved.overlapping(gpa, length);
    if (reserved) {
      throw new MemoryError(
        `addMmio(${hex(gpa)}, ${hex(length)}) for '${device.name}' overlaps RAM reserved by ` +
          `'${reserved.owner}' at ${hex(reserved.base)}: MMIO may not cover reserved RAM.`,
      );
    }
    const touched = this.firstTouched(gpa / PAGE_SIZE, (gpa + length) / PAGE_SIZE);
    if (touched !== undefined) {
      throw new MemoryError(
        `addMmio(${hex(gpa)}, ${hex(length)}) for '${device.name}' covers RAM already written at ` +
          `${hex(touched * PAGE_SIZE)}: add MMIO ranges before the pages they cover are used.`,
      );
    }
    this.mmio.add({ base: gpa, length, device });
  }

  mmioAt(gpa: number): { base: number; device: MmioDevice } | undefined {
    const r = this.mmio.at(gpa);
    return r && { base: r.base, device: r.device };
  }

  mmioRanges(): readonly MmioRange[] {
    return this.mmio.all();
  }

  // ---- Hypervisor view: its own mapping of guest RAM ----

  /** What the host reads: ciphertext for private pages, plaintext for shared ones. */
  hvRead(gpa: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.forEachHostPage(gpa, length, 'hvRead', (pageGpa, off, n, at) => {
      if (!this.isPrivateRam(pageGpa)) {
        this.ramRead(pageGpa + off, out.subarray(at, at + n));
        return;
      }
      const [lo, hi] = blockSpan(off, n);
      const cipher = this.cipher.encrypt(pageGpa + lo, this.plainBlocks(pageGpa, lo, hi));
      out.set(cipher.subarray(off - lo, off - lo + n), at);
    });
    return out;
  }

  /**
   * What the host writes. Into a private page the bytes are ciphertext, so every 16-byte block they
   * touch decrypts to garbage for the guest, as on hardware (ap-jump-table-and-kexec.md section 7).
   */
  hvWrite(gpa: number, bytes: Uint8Array): void {
    this.forEachHostPage(gpa, bytes.length, 'hvWrite', (pageGpa, off, n, at) => {
      const src = bytes.subarray(at, at + n);
      if (!this.isPrivateRam(pageGpa)) {
        this.ramWrite(pageGpa + off, src);
        return;
      }
      const [lo, hi] = blockSpan(off, n);
      const cipher = this.cipher.encrypt(pageGpa + lo, this.plainBlocks(pageGpa, lo, hi));
      cipher.set(src, off - lo);
      this.materialise(pageGpa / PAGE_SIZE).set(this.cipher.decrypt(pageGpa + lo, cipher), lo);
    });
  }

  // ---- Snapshots ----

  snapshot(): MemorySnapshot {
    const pages = new Map<number, Uint8Array>();
    for (const [gfn, page] of this.pages) pages.set(gfn, page.slice());
    return {
      size: this.size,
      pages,
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
      const device = this.mmio.at(gfn * PAGE_SIZE);
      if (device) {
        throw new MemoryError(
          `The snapshot holds RAM at ${hex(gfn * PAGE_SIZE)}, now MMIO of '${device.device.name}': ` +
            'restore snapshots into memory with the same MMIO map.',
        );
      }
    }
    this.pages = new Map();
    for (const [gfn, page] of s.pages) this.pages.set(gfn, page.slice());
    this.defaultEncrypted = s.defaultEncrypted;
    this.encryption = new FrameRuns(s.encryption);
    this.reserved = new RangeTable(s.reserved);
  }

  // ---- Internals ----

  private materialise(gfn: number): Uint8Array {
    let page = this.pages.get(gfn);
    if (page === undefined) {
      page = new Uint8Array(PAGE_SIZE);
      this.pages.set(gfn, page);
    }
    return page;
  }

  private readSlow(gpa: number, size: number): bigint {
    return leToBigint(this.read(gpa, size));
  }

  private writeSlow(gpa: number, size: number, value: bigint): void {
    this.write(gpa, bigintToLe(value, size));
  }

  /** Copies RAM at `gpa` into `dst` (never-touched pages read as zeros and stay untouched). */
  private ramRead(gpa: number, dst: Uint8Array): void {
    for (let done = 0; done < dst.length; ) {
      const addr = gpa + done;
      const off = addr % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, dst.length - done);
      const page = this.pages.get((addr - off) / PAGE_SIZE);
      if (page !== undefined) dst.set(page.subarray(off, off + n), done);
      done += n;
    }
  }

  private ramWrite(gpa: number, src: Uint8Array): void {
    for (let done = 0; done < src.length; ) {
      const addr = gpa + done;
      const off = addr % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, src.length - done);
      this.materialise((addr - off) / PAGE_SIZE).set(src.subarray(done, done + n), off);
      done += n;
    }
  }

  private plainBlocks(pageGpa: number, lo: number, hi: number): Uint8Array {
    const page = this.pages.get(pageGpa / PAGE_SIZE);
    return page ? page.slice(lo, hi) : new Uint8Array(hi - lo);
  }

  private isPrivateRam(pageGpa: number): boolean {
    return this.encryption.get(pageGpa / PAGE_SIZE) ?? this.defaultEncrypted;
  }

  /** The host's mapping covers RAM only; it reaches devices through `mmioAt`. */
  private forEachHostPage(
    gpa: number,
    length: number,
    op: string,
    visit: (pageGpa: number, off: number, n: number, at: number) => void,
  ): void {
    for (const seg of this.segments(gpa, length, op)) {
      if (seg.kind === 'mmio') {
        throw new MemoryError(
          `${op}(${hex(gpa)}, ${hex(length)}) reaches the MMIO range of '${seg.range.device.name}' at ` +
            `${hex(seg.range.base)}: the host view covers RAM only; call the device from mmioAt().`,
        );
      }
    }
    for (let done = 0; done < length; ) {
      const addr = gpa + done;
      const off = addr % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - done);
      visit(addr - off, off, n, done);
      done += n;
    }
  }

  /** Splits an access into RAM and MMIO pieces; any byte that is neither is a MemoryError. */
  private segments(gpa: number, length: number, op: string): Segment[] {
    this.checkArgs(gpa, length, op);
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
          `${op}(${hex(gpa)}, ${hex(length)}) reaches ${hex(cur)}, which is neither RAM nor MMIO: RAM is ` +
            `[0, ${hex(this.size)})${this.mmioList()}.`,
        );
      }
      const stop = Math.min(end, this.size, this.mmio.after(cur)?.base ?? end);
      out.push({ kind: 'ram', gpa: cur, length: stop - cur });
      cur = stop;
    }
    return out;
  }

  private checkArgs(gpa: number, length: number, op: string): void {
    if (
      !Number.isInteger(gpa) ||
      gpa < 0 ||
      !Number.isInteger(length) ||
      length < 0 ||
      gpa + length > MAX_GPA
    ) {
      throw new MemoryError(
        `${op}(${Number.isInteger(gpa) && gpa >= 0 ? hex(gpa) : gpa}, ${length}) is not a valid range: give a ` +
          'non-negative integer address and length that end at or below 2**52.',
      );
    }
  }

  private outsideRam(op: string, gpa: number, length: number): MemoryError {
    return new MemoryError(
      `${op}(${hex(gpa)}, ${hex(length)}) goes past the end of RAM: RAM is [0, ${hex(this.size)}).`,
    );
  }

  private mmioList(): string {
    const all = this.mmio.all();
    if (all.length === 0) return '';
    return ` and MMIO is ${all.map((r) => `[${hex(r.base)}, ${hex(r.base + r.length)}) '${r.device.name}'`).join(', ')}`;
  }

  /** The lowest materialised frame in [start, end), walking whichever of the two is smaller. */
  private firstTouched(start: number, end: number): number | undefined {
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
}

/** The 16-byte-aligned span [lo, hi) within a page that covers bytes [off, off + n). */
function blockSpan(off: number, n: number): [number, number] {
  const lo = off - (off % CIPHER_BLOCK);
  const hi = Math.ceil((off + n) / CIPHER_BLOCK) * CIPHER_BLOCK;
  return [lo, hi];
}

function mmioRead(seg: Extract<Segment, { kind: 'mmio' }>, dst: Uint8Array): void {
  for (let done = 0; done < dst.length; done += MMIO_PIECE) {
    const n = Math.min(MMIO_PIECE, dst.length - done);
    // Only the asked bytes count, whatever the device returns (hostile-inputs.md, lies 7).
    dst.set(bigintToLe(seg.range.device.read(seg.gpa - seg.range.base + done, n), n), done);
  }
}

function mmioWrite(seg: Extract<Segment, { kind: 'mmio' }>, src: Uint8Array): void {
  for (let done = 0; done < src.length; done += MMIO_PIECE) {
    const n = Math.min(MMIO_PIECE, src.length - done);
    seg.range.device.write(seg.gpa - seg.range.base + done, n, leToBigint(src.subarray(done, done + n)));
  }
}

export function leToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/** The low `size` bytes of `value`, little endian. */
export function bigintToLe(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
