/**
 * Stack instructions: PUSH/POP of registers, memory, immediates and segment registers, PUSHA/POPA,
 * ENTER/LEAVE, PUSHF/POPF (AMD APM Vol. 3). Operand sizes come from the decoder (64 by default in
 * 64-bit mode); the stack address size from SS.B.
 */
import { read } from '../access.ts';
import { fault, ud, VECTOR } from '../fault.ts';
import { FLAG, readFlags, writeFlags } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { type CpuState, SEGS } from '../state.ts';
import { movToSeg } from './move.ts';
import {
  ea,
  getReg,
  getSp,
  immOf,
  peek,
  pop,
  push,
  readE,
  segOf,
  setReg,
  setSp,
  TWO32,
  writeE,
} from './operands.ts';

function pushSeg(c: CpuState, i: Insn, seg: number): void {
  push(c, i.opSize, c.segSel[seg]!, 0);
}

function popSeg(c: CpuState, i: Insn, seg: number): void {
  const sel = peek(c, i.opSize, 0) & 0xffff;
  movToSeg(c, seg, sel);
  pop(c, i.opSize);
}

/** Flags POPF may change: all of the low 16 bits in 16-bit form; VM and RF are never popped. */
function popf(c: CpuState, size: number): void {
  const v = pop(c, size);
  const cur = readFlags(c);
  const mask = size === 2 ? 0x7fd5 : 0x3f7fd5 & ~(FLAG.VM | FLAG.RF);
  const next = ((cur & ~mask) | (v & mask)) >>> 0;
  writeFlags(c, next);
}

export const stackHandlers = {
  pushZv: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    // PUSH rSP pushes the value before the decrement.
    const v = getReg(c, i.rm, s, true);
    push(c, s, v, c.hi32);
  },
  popZv: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const v = pop(c, s);
    setReg(c, i.rm, s, v, true, c.hi32);
  },
  pushEv: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const v = readE(c, i, s);
    push(c, s, v, c.hi32);
  },
  popEv: (c: CpuState, i: Insn) => {
    // POP into memory addressed through rSP uses the incremented rSP (APM "POP").
    const s = i.opSize;
    const v = peek(c, s, 0);
    const hi = c.hi32;
    const sp = getSp(c);
    setSp(c, sp + s);
    try {
      writeE(c, i, s, v, hi);
    } catch (e) {
      setSp(c, sp);
      throw e;
    }
  },
  pushIz: (c: CpuState, i: Insn) => {
    const v = immOf(c, i, i.opSize);
    push(c, i.opSize, v, c.hi32);
  },
  pushIb: (c: CpuState, i: Insn) => {
    const v = immOf(c, i, i.opSize);
    push(c, i.opSize, v, c.hi32);
  },
  pushES: (c: CpuState, i: Insn) => pushSeg(c, i, SEGS.ES),
  pushCS: (c: CpuState, i: Insn) => pushSeg(c, i, SEGS.CS),
  pushSS: (c: CpuState, i: Insn) => pushSeg(c, i, SEGS.SS),
  pushDS: (c: CpuState, i: Insn) => pushSeg(c, i, SEGS.DS),
  pushFS: (c: CpuState, i: Insn) => pushSeg(c, i, SEGS.FS),
  pushGS: (c: CpuState, i: Insn) => pushSeg(c, i, SEGS.GS),
  popES: (c: CpuState, i: Insn) => popSeg(c, i, SEGS.ES),
  popSS: (c: CpuState, i: Insn) => popSeg(c, i, SEGS.SS),
  popDS: (c: CpuState, i: Insn) => popSeg(c, i, SEGS.DS),
  popFS: (c: CpuState, i: Insn) => popSeg(c, i, SEGS.FS),
  popGS: (c: CpuState, i: Insn) => popSeg(c, i, SEGS.GS),
  pusha: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const sp = getReg(c, 4, s, true);
    // All eight pushes must fit: check the lowest one first, then write.
    const order = [0, 1, 2, 3, -1, 5, 6, 7];
    const start = getSp(c);
    try {
      for (const n of order) push(c, s, n < 0 ? sp : getReg(c, n, s, true));
    } catch (e) {
      setSp(c, start);
      throw e;
    }
  },
  popa: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const vals: number[] = [];
    for (let k = 0; k < 8; k++) vals.push(peek(c, s, k * s));
    for (let k = 0; k < 8; k++) {
      const n = 7 - k;
      if (n !== 4) setReg(c, n, s, vals[k]!, true);
    }
    setSp(c, getSp(c) + 8 * s);
  },
  pushfFv: (c: CpuState, i: Insn) => {
    // VM and RF read as zero in the pushed image (APM "PUSHF").
    push(c, i.opSize, readFlags(c) & ~(FLAG.VM | FLAG.RF), 0);
  },
  popfFv: (c: CpuState, i: Insn) => popf(c, i.opSize),
  leave: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const bp =
      c.stackSize === 2
        ? c.r[5]! & 0xffff
        : c.stackSize === 4
          ? c.r[5]! >>> 0
          : c.rh[5]! * TWO32 + (c.r[5]! >>> 0);
    const saved = getSp(c);
    setSp(c, bp);
    try {
      const v = pop(c, s);
      setReg(c, 5, s, v, true, c.hi32);
    } catch (e) {
      setSp(c, saved);
      throw e;
    }
  },
  enterIwIb: (c: CpuState, i: Insn) => {
    const s = i.opSize;
    const alloc = Number(i.imm) & 0xffff;
    const level = i.imm2 & 0x1f;
    const start = getSp(c);
    const bp0 = getReg(c, 5, c.stackSize, true);
    const bpHi = c.hi32;
    try {
      push(c, s, getReg(c, 5, s, true), c.hi32);
      const frame = getSp(c);
      let bp = c.stackSize === 8 ? bpHi * TWO32 + bp0 : bp0;
      for (let k = 1; k < level; k++) {
        bp -= s;
        const mask = c.stackSize === 2 ? 0xffff : c.stackSize === 4 ? 0xffffffff : -1;
        const v = peekAt(c, s, mask === -1 ? bp : bp & mask);
        push(c, s, v, c.hi32);
      }
      if (level > 0) push(c, s, frame, Math.floor(frame / TWO32));
      setReg(c, 5, s === 8 ? 8 : s, frame, true, Math.floor(frame / TWO32));
      const top = getSp(c) - alloc;
      setSp(c, c.stackSize === 2 ? top & 0xffff : c.stackSize === 4 ? top >>> 0 : top);
    } catch (e) {
      setSp(c, start);
      throw e;
    }
  },
  boundGvMa: (c: CpuState, i: Insn) => {
    if (i.mod === 3) throw ud('BOUND with a register operand');
    const s = i.opSize;
    const sx = (v: number) => (s === 2 ? (v << 16) >> 16 : v | 0);
    const seg = segOf(i);
    const off = ea(c, i);
    const lower = sx(read(c, seg, off, s));
    const upper = sx(read(c, seg, i.addrSize === 2 ? (off + s) & 0xffff : (off + s) >>> 0, s));
    const v = sx(getReg(c, i.reg, s, true));
    if (v < lower || v > upper) throw fault(VECTOR.BR, -1, 'BOUND range exceeded');
  },
};

function peekAt(c: CpuState, size: number, off: number): number {
  const save = getSp(c);
  setSp(c, off);
  try {
    return peek(c, size, 0);
  } finally {
    setSp(c, save);
  }
}
