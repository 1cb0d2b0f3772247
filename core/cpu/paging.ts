/**
 * Linear -> guest-physical translation: the page walk (AMD APM Vol. 2, 5.3 "Long-mode page
 * translation", 5.2 "Legacy-mode page translation"). 4-level with 4 KiB, 2 MiB and 1 GiB pages in long
 * and compatibility mode; PAE 3-level and 32-bit 2-level (with 4 MiB pages under CR4.PSE) otherwise.
 * Sets accessed and dirty bits like hardware. A failed walk throws #PF; CR2 is written when the fault
 * is delivered.
 */
import { fault, PF_ERR, VECTOR } from './fault.ts';
import type { CpuState } from './state.ts';
import { CR0, CR0_PG, CR4, EFER } from './vc-exits.ts';

export const ACCESS = { read: 0, write: 1, exec: 2 } as const;
export type Access = (typeof ACCESS)[keyof typeof ACCESS];

const PTE = { P: 0x1, RW: 0x2, US: 0x4, A: 0x20, D: 0x40, PS: 0x80 } as const;
const NX_HI = 0x80000000 | 0;
const TWO32 = 4294967296;

/** Reads one page-table entry; returns bits 31:0 and leaves bits 63:32 in c.hi32. */
function readEntry(c: CpuState, gpa: number, wide: boolean): { page: Uint8Array; off: number; lo: number } {
  const page = c.memory.ramPage(Math.floor(gpa / 4096), true);
  if (page === undefined) throw fault(VECTOR.MC, -1, `page table at 0x${gpa.toString(16)} is not RAM`);
  const off = gpa & 0xfff;
  const lo = page[off]! | (page[off + 1]! << 8) | (page[off + 2]! << 16) | (page[off + 3]! << 24);
  c.hi32 = wide
    ? page[off + 4]! | (page[off + 5]! << 8) | (page[off + 6]! << 16) | (page[off + 7]! << 24)
    : 0;
  return { page, off, lo };
}

function setBits(page: Uint8Array, off: number, lo: number, bits: number): void {
  if ((lo & bits) !== bits) page[off] = (lo | bits) & 0xff;
}

/** Bits 51:12 (wide) or 31:12 of an entry as a frame address, C-bit removed. */
function frameOf(c: CpuState, lo: number, hi: number): number {
  return ((hi & 0xfffff & ~c.cBitHiMask) >>> 0) * TWO32 + ((lo & 0xfffff000) >>> 0);
}

function pageFault(c: CpuState, lin: number, access: Access, present: boolean): never {
  let code = present ? PF_ERR.P : 0;
  if (access === ACCESS.write) code |= PF_ERR.W;
  if (c.cpl === 3) code |= PF_ERR.U;
  if (access === ACCESS.exec && (c.efer & EFER.NXE) !== 0) code |= PF_ERR.I;
  // Why: a canonical high address arrives sign-extended (a negative number); CR2 holds its 64-bit form.
  throw fault(VECTOR.PF, code, `page fault at linear 0x${BigInt.asUintN(64, BigInt(lin)).toString(16)}`, lin);
}

/** The walk: guest-physical address of `lin` for `access`, or a thrown #PF. */
export function translateLinear(c: CpuState, lin: number, access: Access): number {
  if ((c.cr0 & CR0_PG) === 0) return lin;
  const wide = (c.cr4 & CR4.PAE) !== 0;
  const levels: number[] = [];
  let base: number;
  if ((c.efer & EFER.LMA) !== 0) {
    base = frameOf(c, c.cr3, Math.floor(c.cr3 / TWO32));
    for (const shift of [39, 30, 21, 12]) levels.push(Math.floor(lin / 2 ** shift) & 0x1ff);
  } else if (wide) {
    // PAE: CR3[31:5] points at four PDPTEs (APM 5.2.3); they carry only P and the frame.
    const pdpte = readEntry(c, ((c.cr3 & 0xffffffe0) >>> 0) + (lin >>> 30) * 8, true);
    if ((pdpte.lo & PTE.P) === 0) pageFault(c, lin, access, false);
    base = frameOf(c, pdpte.lo, c.hi32);
    levels.push((lin >>> 21) & 0x1ff, (lin >>> 12) & 0x1ff);
  } else {
    base = (c.cr3 & 0xfffff000) >>> 0;
    levels.push(lin >>> 22, (lin >>> 12) & 0x3ff);
  }
  let writable = true;
  let user = true;
  let nx = false;
  for (let level = 0; level < levels.length; level++) {
    const e = readEntry(c, base + levels[level]! * (wide ? 8 : 4), wide);
    const hi = c.hi32;
    if ((e.lo & PTE.P) === 0) pageFault(c, lin, access, false);
    writable &&= (e.lo & PTE.RW) !== 0;
    user &&= (e.lo & PTE.US) !== 0;
    nx ||= (hi & NX_HI) !== 0;
    const remaining = levels.length - 1 - level;
    const large =
      remaining > 0 && remaining <= 2 && (e.lo & PTE.PS) !== 0 && (wide || (c.cr4 & CR4.PSE) !== 0);
    if (remaining > 0 && !large) {
      setBits(e.page, e.off, e.lo, PTE.A);
      base = frameOf(c, e.lo, hi);
      continue;
    }
    // Leaf: 4 KiB page, or a 2 MiB / 1 GiB / 4 MiB page whose frame is aligned to its size.
    const write = access === ACCESS.write;
    if (write && !writable && (c.cpl === 3 || (c.cr0 & CR0.WP) !== 0)) pageFault(c, lin, access, true);
    if (c.cpl === 3 && !user) pageFault(c, lin, access, true);
    if (access === ACCESS.exec && nx && (c.efer & EFER.NXE) !== 0) pageFault(c, lin, access, true);
    setBits(e.page, e.off, e.lo, write ? PTE.A | PTE.D : PTE.A);
    const size = wide ? 2 ** (12 + 9 * remaining) : remaining > 0 ? 0x400000 : 4096;
    const frame = wide ? frameOf(c, e.lo, hi) : (e.lo & 0xfffff000) >>> 0;
    const inPage = size >= TWO32 ? lin - Math.floor(lin / size) * size : (lin & (size - 1)) >>> 0;
    return frame - (frame % size) + inPage;
  }
  throw new Error('unreachable: the walk ends at a leaf');
}
