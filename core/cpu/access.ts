/**
 * Data memory access: seg:offset -> linear (limit checks outside 64-bit mode) -> guest-physical (the
 * software TLB, else the page walk) -> RAM page, or MMIO. Under SEV-ES an access to an MMIO page is a
 * #VC with exit code NPF (0x400), raised before anything changes; otherwise the Platform performs it.
 * Values are numbers: 1, 2 and 4 byte accesses return unsigned values; 8-byte reads return bits 31:0
 * and leave bits 63:32 in `c.hi32`.
 */
import { fault, VECTOR } from './fault.ts';
import { ACCESS, type Access, translateLinear } from './paging.ts';
import { type CpuState, SEGS } from './state.ts';
import { lpnOf, TLB_MASK, Tlb } from './tlb.ts';
import { SVM_EXIT } from './vc-exits.ts';

const CANONICAL = 0x800000000000;

/** Thrown for SEV-ES #VC: the run loop turns it into a 'vc' stop or an IDT delivery. */
export class VcFault {
  constructor(
    readonly exitCode: number,
    readonly why: string,
    /** NPF: the guest physical address touched (hardware does not report it; traces do). */
    readonly gpa = -1,
  ) {}
}

export function tlbOf(c: CpuState): Tlb {
  let t = c.tlb;
  if (t === null) {
    t = new Tlb();
    c.tlb = t;
  }
  return t;
}

/** #GP(0) or #SS(0) for a bad stack access (APM Vol. 2, 4.12 "Segment-limit checks"). */
function segFault(seg: number, why: string): never {
  throw fault(seg === SEGS.SS ? VECTOR.SS : VECTOR.GP, 0, why);
}

/** The linear address of seg:off for an access of `size` bytes. */
export function linear(c: CpuState, seg: number, off: number, size: number): number {
  if (c.long64) {
    const lin = seg >= SEGS.FS ? c.segBase[seg]! + off : off;
    if (lin >= -CANONICAL && lin < CANONICAL) return lin;
    return segFault(seg, `non-canonical address 0x${lin.toString(16)}`);
  }
  if (off + size - 1 > c.segLimit[seg]!) {
    return segFault(seg, `offset 0x${off.toString(16)} is past the limit of segment ${seg}`);
  }
  return (c.segBase[seg]! + off) >>> 0;
}

/** Guest-physical address of `lin` for `access` (walks the page tables when paging is on). */
export function physical(c: CpuState, lin: number, access: Access): number {
  return translateLinear(c, lin, access);
}

function mmioFault(_c: CpuState, gpa: number, write: boolean): VcFault {
  return new VcFault(
    SVM_EXIT.NPF,
    `${write ? 'write to' : 'read of'} MMIO at GPA 0x${gpa.toString(16)}`,
    gpa,
  );
}

/** Read `size` (1..8) bytes at a guest-physical address that is not in the TLB: RAM, MMIO or open bus. */
function physRead(c: CpuState, gpa: number, size: number): number {
  const page = c.memory.ramPage(Math.floor(gpa / 4096), true);
  if (page !== undefined) {
    const o = gpa & 0xfff;
    let lo = 0;
    for (let i = Math.min(size, 4) - 1; i >= 0; i--) lo = (lo << 8) | page[o + i]!;
    let hi = 0;
    for (let i = size - 1; i >= 4; i--) hi = (hi << 8) | page[o + i]!;
    c.hi32 = hi;
    return lo >>> 0;
  }
  if (c.memory.mmioAt(gpa) !== undefined) {
    if (c.sevEs) throw mmioFault(c, gpa, false);
    // Only the asked bytes count, whatever the device answered.
    const v = BigInt.asUintN(size * 8, c.platform.mmioRead(gpa, size));
    c.hi32 = Number((v >> 32n) & 0xffffffffn) | 0;
    return Number(v & 0xffffffffn);
  }
  // Nothing decodes this address: the bus floats high.
  c.hi32 = size > 4 ? -1 : 0;
  return size >= 4 ? 0xffffffff : 2 ** (size * 8) - 1;
}

function physWrite(c: CpuState, gpa: number, size: number, lo: number, hi: number): void {
  const gfn = Math.floor(gpa / 4096);
  const page = c.memory.ramPage(gfn, true);
  if (page !== undefined) {
    if (c.cache.isCodePage(gfn)) c.cache.invalidatePage(gfn);
    const o = gpa & 0xfff;
    for (let i = 0; i < size; i++) page[o + i] = (i < 4 ? lo >>> (8 * i) : hi >>> (8 * (i - 4))) & 0xff;
    return;
  }
  if (c.memory.mmioAt(gpa) !== undefined) {
    if (c.sevEs) throw mmioFault(c, gpa, true);
    const v = size > 4 ? (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0) : BigInt(lo >>> 0);
    c.platform.mmioWrite(gpa, size, v & ((1n << BigInt(size * 8)) - 1n));
  }
}

/** Slow read: walk, fill the TLB for RAM, split accesses that cross a page. */
export function slowRead(c: CpuState, lin: number, size: number): number {
  const o = lin & 0xfff;
  if (o + size > 4096) {
    // Split at the page boundary, little-endian, one byte at a time (both pages are checked first).
    physical(c, lin, ACCESS.read);
    physical(c, lin + size - 1, ACCESS.read);
    let lo = 0;
    let hi = 0;
    for (let i = size - 1; i >= 0; i--) {
      const b = slowRead(c, lin + i, 1);
      if (i >= 4) hi = (hi << 8) | b;
      else lo = (lo << 8) | b;
    }
    c.hi32 = hi;
    return lo >>> 0;
  }
  const gpa = physical(c, lin, ACCESS.read);
  const gfn = Math.floor(gpa / 4096);
  const page = c.memory.ramPage(gfn, true);
  if (page !== undefined && c.memHooks === 0) {
    const t = tlbOf(c);
    const lpn = lpnOf(lin);
    t.readTag[lpn & TLB_MASK] = lpn;
    t.readPage[lpn & TLB_MASK] = page;
  }
  const v = physRead(c, gpa, size);
  if (c.memHooks !== 0) c.onMemAccess(lin, gpa, size, false, v);
  return v;
}

export function slowWrite(c: CpuState, lin: number, size: number, lo: number, hi: number): void {
  const o = lin & 0xfff;
  if (o + size > 4096) {
    physical(c, lin, ACCESS.write);
    physical(c, lin + size - 1, ACCESS.write);
    for (let i = 0; i < size; i++) slowWrite(c, lin + i, 1, i < 4 ? lo >>> (8 * i) : hi >>> (8 * (i - 4)), 0);
    return;
  }
  const gpa = physical(c, lin, ACCESS.write);
  const gfn = Math.floor(gpa / 4096);
  physWrite(c, gpa, size, lo, hi);
  if (c.memHooks !== 0) {
    c.onMemAccess(lin, gpa, size, true, lo >>> 0);
    return;
  }
  const page = c.memory.ramPage(gfn, false);
  const t = tlbOf(c);
  if (page !== undefined && !c.cache.isCodePage(gfn) && t.epoch === c.cache.epoch) {
    const lpn = lpnOf(lin);
    t.writeTag[lpn & TLB_MASK] = lpn;
    t.writePage[lpn & TLB_MASK] = page;
  }
}

export function readLin8(c: CpuState, lin: number): number {
  const t = c.tlb!;
  const lpn = lin >= 0 && lin <= 0xffffffff ? lin >>> 12 : Math.floor(lin / 4096);
  const i = lpn & TLB_MASK;
  if (t.readTag[i] === lpn) return t.readPage[i]![lin & 0xfff]!;
  return slowRead(c, lin, 1);
}

export function readLin16(c: CpuState, lin: number): number {
  const o = lin & 0xfff;
  if (o < 4095) {
    const t = c.tlb!;
    const lpn = lin >= 0 && lin <= 0xffffffff ? lin >>> 12 : Math.floor(lin / 4096);
    const i = lpn & TLB_MASK;
    if (t.readTag[i] === lpn) {
      const p = t.readPage[i]!;
      return p[o]! | (p[o + 1]! << 8);
    }
  }
  return slowRead(c, lin, 2);
}

export function readLin32(c: CpuState, lin: number): number {
  const o = lin & 0xfff;
  if (o < 4093) {
    const t = c.tlb!;
    const lpn = lin >= 0 && lin <= 0xffffffff ? lin >>> 12 : Math.floor(lin / 4096);
    const i = lpn & TLB_MASK;
    if (t.readTag[i] === lpn) {
      const p = t.readPage[i]!;
      return (p[o]! | (p[o + 1]! << 8) | (p[o + 2]! << 16) | (p[o + 3]! << 24)) >>> 0;
    }
  }
  return slowRead(c, lin, 4);
}

/** 8-byte read: bits 31:0 returned, bits 63:32 in c.hi32. */
export function readLin64(c: CpuState, lin: number): number {
  const o = lin & 0xfff;
  if (o < 4089) {
    const t = c.tlb!;
    const lpn = lin >= 0 && lin <= 0xffffffff ? lin >>> 12 : Math.floor(lin / 4096);
    const i = lpn & TLB_MASK;
    if (t.readTag[i] === lpn) {
      const p = t.readPage[i]!;
      c.hi32 = p[o + 4]! | (p[o + 5]! << 8) | (p[o + 6]! << 16) | (p[o + 7]! << 24);
      return (p[o]! | (p[o + 1]! << 8) | (p[o + 2]! << 16) | (p[o + 3]! << 24)) >>> 0;
    }
  }
  return slowRead(c, lin, 8);
}

export function readLin(c: CpuState, lin: number, size: number): number {
  switch (size) {
    case 1:
      return readLin8(c, lin);
    case 2:
      return readLin16(c, lin);
    case 4:
      return readLin32(c, lin);
    default:
      return readLin64(c, lin);
  }
}

/** Write `size` bytes; for 8 bytes `hi` is bits 63:32. */
export function writeLin(c: CpuState, lin: number, size: number, v: number, hi = 0): void {
  const o = lin & 0xfff;
  if (o <= 4096 - size) {
    const t = c.tlb!;
    const lpn = lin >= 0 && lin <= 0xffffffff ? lin >>> 12 : Math.floor(lin / 4096);
    const i = lpn & TLB_MASK;
    if (t.writeTag[i] === lpn) {
      const p = t.writePage[i]!;
      p[o] = v;
      if (size === 1) return;
      p[o + 1] = v >>> 8;
      if (size === 2) return;
      p[o + 2] = v >>> 16;
      p[o + 3] = v >>> 24;
      if (size === 4) return;
      p[o + 4] = hi;
      p[o + 5] = hi >>> 8;
      p[o + 6] = hi >>> 16;
      p[o + 7] = hi >>> 24;
      return;
    }
  }
  slowWrite(c, lin, size, v, hi);
}

/** seg:off accessors used by the instruction handlers. */
export function read(c: CpuState, seg: number, off: number, size: number): number {
  return readLin(c, linear(c, seg, off, size), size);
}

export function write(c: CpuState, seg: number, off: number, size: number, v: number, hi = 0): void {
  writeLin(c, linear(c, seg, off, size), size, v, hi);
}

/** Check that a write to seg:off would succeed (limit, paging, #VC) without writing: RMW operands. */
export function probeWrite(c: CpuState, lin: number, size: number): void {
  const o = lin & 0xfff;
  const t = c.tlb!;
  const lpn = lpnOf(lin);
  if (o <= 4096 - size && t.writeTag[lpn & TLB_MASK] === lpn) return;
  const gpa = physical(c, lin, ACCESS.write);
  if (o + size > 4096) physical(c, lin + size - 1, ACCESS.write);
  if (c.sevEs && c.memory.ramPage(Math.floor(gpa / 4096), true) === undefined && c.memory.mmioAt(gpa)) {
    throw mmioFault(c, gpa, true);
  }
}
