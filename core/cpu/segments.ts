/**
 * Segment registers and their hidden parts (descriptor caches). Real mode: base = selector << 4, limit
 * and attributes keep what the last protected-mode load left (which is what lets the AP jump-table blob
 * set 64 KiB limits before it clears CR0.PE). Protected mode: descriptors from the GDT or LDT with the
 * present and type checks of AMD APM Vol. 2, 4.8 "Descriptor checks" (privilege checks are those of
 * CPL 0, the only level the modelled guest code runs at).
 */
import { readLin32, writeLin } from './access.ts';
import { fault, VECTOR } from './fault.ts';
import { ATTR, type CpuState, SEGS } from './state.ts';

export interface Descriptor {
  base: number;
  limit: number;
  attr: number;
}

/** Base, byte-granular limit and VMCB-packed attributes of a legacy 8-byte descriptor. */
export function unpackDescriptor(lo: number, hi: number): Descriptor {
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  let limit = (lo & 0xffff) | (hi & 0xf0000);
  const attr = ((hi >>> 8) & 0xff) | (((hi >>> 20) & 0xf) << 8);
  if ((attr & ATTR.G) !== 0) limit = limit * 4096 + 0xfff;
  return { base, limit, attr };
}

/** Read the 8-byte descriptor for `sel` (GDT or LDT by TI); #GP(selector) past the table limit. */
export function readDescriptor(c: CpuState, sel: number): { lo: number; hi: number; lin: number } {
  const ldt = (sel & 4) !== 0;
  const tableBase = ldt ? c.segBase[SEGS.LDTR]! : c.gdtrBase;
  const tableLimit = ldt ? c.segLimit[SEGS.LDTR]! : c.gdtrLimit;
  const index = sel & 0xfff8;
  if (index + 7 > tableLimit)
    throw fault(VECTOR.GP, sel & 0xfffc, `selector 0x${sel.toString(16)} is past the table limit`);
  const lin = c.long64 ? tableBase + index : (tableBase + index) >>> 0;
  return { lo: readLin32(c, lin), hi: readLin32(c, lin + 4) | 0, lin };
}

export function setSegment(
  c: CpuState,
  seg: number,
  sel: number,
  base: number,
  limit: number,
  attr: number,
): void {
  c.segSel[seg] = sel;
  c.segBase[seg] = base;
  c.segLimit[seg] = limit;
  c.segAttr[seg] = attr;
}

/** MOV/POP to a segment register, or a far transfer's CS, in the current mode. */
export function loadSegment(c: CpuState, seg: number, sel: number): void {
  sel &= 0xffff;
  if ((c.cr0 & 1) === 0) {
    c.segSel[seg] = sel;
    c.segBase[seg] = sel * 16;
    return;
  }
  if ((sel & 0xfffc) === 0) {
    // Null selector: legal for data segments (unusable until reloaded), and for SS in 64-bit mode.
    if (seg === SEGS.CS || (seg === SEGS.SS && !c.long64))
      throw fault(VECTOR.GP, 0, 'null selector for CS/SS');
    setSegment(c, seg, sel, 0, c.long64 ? 0xffffffff : -1, 0);
    return;
  }
  const d = readDescriptor(c, sel);
  const desc = unpackDescriptor(d.lo, d.hi);
  const type = desc.attr & 0xf;
  const code = (type & 8) !== 0;
  const err = sel & 0xfffc;
  if ((desc.attr & ATTR.S) === 0) throw fault(VECTOR.GP, err, 'a system descriptor in a segment register');
  if (seg === SEGS.CS && !code) throw fault(VECTOR.GP, err, 'CS must be a code segment');
  if (seg === SEGS.SS && (code || (type & 2) === 0)) throw fault(VECTOR.GP, err, 'SS must be writable data');
  if (seg !== SEGS.CS && code && (type & 2) === 0)
    throw fault(VECTOR.GP, err, 'execute-only code in a data register');
  if ((desc.attr & ATTR.P) === 0) {
    throw fault(seg === SEGS.SS ? VECTOR.SS : VECTOR.NP, err, `segment 0x${sel.toString(16)} is not present`);
  }
  // The CPU sets the accessed bit in the descriptor (APM 4.7.2).
  if ((type & 1) === 0) {
    const hiLin = d.lin + 4;
    const v = (d.hi | 0x100) >>> 0;
    const b = readLin32(c, hiLin);
    if (b !== v) writeLin(c, hiLin + 1, 1, (v >>> 8) & 0xff);
  }
  if (seg === SEGS.CS) sel = (sel & ~3) | c.cpl;
  setSegment(c, seg, sel, desc.base, desc.limit, desc.attr | 1);
}

export const SEGMENT_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'ldtr', 'tr'] as const;
