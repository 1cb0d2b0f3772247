/**
 * String instructions MOVS CMPS STOS LODS SCAS INS OUTS, with REP/REPE/REPNE (AMD APM Vol. 3,
 * "REP"). Each element updates rSI/rDI/rCX before the next, so a fault in the middle leaves a
 * restartable state. A long REP runs in slices: after REP_SLICE elements the instruction restarts
 * itself (RIP back at it), so interrupts and the instruction limit are seen between slices.
 */
import { read, write } from '../access.ts';
import { FLAG, zeroFlag } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { type CpuState, SEGS } from '../state.ts';
import { ALU, alu, alu64 } from './alu.ts';
import { ioIn, ioOut } from './io.ts';
import { getReg, reg64, setReg, TWO32 } from './operands.ts';

export const REP_SLICE = 4096;

const SI = 6;
const DI = 7;
const CX = 1;

function idx(c: CpuState, n: number, addrSize: number): number {
  return addrSize === 2 ? c.r[n]! & 0xffff : addrSize === 4 ? c.r[n]! >>> 0 : reg64(c, n);
}

function advance(c: CpuState, n: number, addrSize: number, delta: number): void {
  if (addrSize === 2) c.r[n] = (c.r[n]! & ~0xffff) | ((c.r[n]! + delta) & 0xffff);
  else if (addrSize === 4) {
    c.r[n] = (c.r[n]! >>> 0) + delta;
    c.rh[n] = 0;
  } else {
    const v = reg64(c, n) + delta;
    c.r[n] = v;
    c.rh[n] = Math.floor(v / TWO32);
  }
}

/** One element of each string operation; returns nothing, flags via alu for CMPS/SCAS. */
type Element = (c: CpuState, i: Insn, size: number, step: number) => void;

const srcSeg = (i: Insn) => (i.segOverride >= 0 ? i.segOverride : SEGS.DS);

const movs: Element = (c, i, size, step) => {
  const a = i.addrSize;
  const v = read(c, srcSeg(i), idx(c, SI, a), size);
  write(c, SEGS.ES, idx(c, DI, a), size, v, c.hi32);
  advance(c, SI, a, step);
  advance(c, DI, a, step);
};

const cmps: Element = (c, i, size, step) => {
  const a = i.addrSize;
  const x = read(c, srcSeg(i), idx(c, SI, a), size);
  const xhi = c.hi32;
  const y = read(c, SEGS.ES, idx(c, DI, a), size);
  cmpValues(c, x, xhi, y, c.hi32, size);
  advance(c, SI, a, step);
  advance(c, DI, a, step);
};

const stos: Element = (c, i, size, step) => {
  const a = i.addrSize;
  write(c, SEGS.ES, idx(c, DI, a), size, getReg(c, 0, size, true), c.rh[0]!);
  advance(c, DI, a, step);
};

const lods: Element = (c, i, size, step) => {
  const a = i.addrSize;
  const v = read(c, srcSeg(i), idx(c, SI, a), size);
  setReg(c, 0, size, v, false, c.hi32);
  advance(c, SI, a, step);
};

const scas: Element = (c, i, size, step) => {
  const a = i.addrSize;
  const y = read(c, SEGS.ES, idx(c, DI, a), size);
  const yhi = c.hi32;
  const x = getReg(c, 0, size, true);
  cmpValues(c, x, c.rh[0]!, y, yhi, size);
  advance(c, DI, a, step);
};

const ins: Element = (c, i, size, step) => {
  const a = i.addrSize;
  const port = c.r[2]! & 0xffff;
  // The destination is checked before the port is read (a faulting INS must not consume input).
  write(c, SEGS.ES, idx(c, DI, a), size, 0);
  write(c, SEGS.ES, idx(c, DI, a), size, ioIn(c, port, size as 1 | 2 | 4, i));
  advance(c, DI, a, step);
};

const outs: Element = (c, i, size, step) => {
  const a = i.addrSize;
  const v = read(c, srcSeg(i), idx(c, SI, a), size);
  ioOut(c, c.r[2]! & 0xffff, size as 1 | 2 | 4, v, i);
  advance(c, SI, a, step);
};

function cmpValues(c: CpuState, x: number, xhi: number, y: number, yhi: number, size: number): void {
  if (size === 8) alu64(c, ALU.cmp, x, xhi, y, yhi);
  else alu(c, ALU.cmp, x, y, size);
}

function run(c: CpuState, i: Insn, size: number, el: Element, compares: boolean): void {
  const step = (c.flagsBits & FLAG.DF) !== 0 ? -size : size;
  if (i.rep === 0) {
    el(c, i, size, step);
    return;
  }
  const a = i.addrSize;
  for (let n = 0; n < REP_SLICE; n++) {
    if (idx(c, CX, a) === 0) return;
    el(c, i, size, step);
    advance(c, CX, a, -1);
    if (compares && zeroFlag(c) !== (i.rep === 0xf3)) return;
  }
  // Not done: run this instruction again (it is restartable by construction).
  if (idx(c, CX, a) !== 0) c.rip -= i.length;
}

export const stringHandlers = {
  movsYbXb: (c: CpuState, i: Insn) => run(c, i, 1, movs, false),
  movsYvXv: (c: CpuState, i: Insn) => run(c, i, i.opSize, movs, false),
  cmpsXbYb: (c: CpuState, i: Insn) => run(c, i, 1, cmps, true),
  cmpsXvYv: (c: CpuState, i: Insn) => run(c, i, i.opSize, cmps, true),
  stosYbAL: (c: CpuState, i: Insn) => run(c, i, 1, stos, false),
  stosYvrAX: (c: CpuState, i: Insn) => run(c, i, i.opSize, stos, false),
  lodsALXb: (c: CpuState, i: Insn) => run(c, i, 1, lods, false),
  lodsrAXXv: (c: CpuState, i: Insn) => run(c, i, i.opSize, lods, false),
  scasALYb: (c: CpuState, i: Insn) => run(c, i, 1, scas, true),
  scasrAXYv: (c: CpuState, i: Insn) => run(c, i, i.opSize, scas, true),
  insYbDX: (c: CpuState, i: Insn) => run(c, i, 1, ins, false),
  insYzDX: (c: CpuState, i: Insn) => run(c, i, i.opSize === 2 ? 2 : 4, ins, false),
  outsDXXb: (c: CpuState, i: Insn) => run(c, i, 1, outs, false),
  outsDXXz: (c: CpuState, i: Insn) => run(c, i, i.opSize === 2 ? 2 : 4, outs, false),
};
