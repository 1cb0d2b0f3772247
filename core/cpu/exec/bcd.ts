/**
 * Decimal adjust instructions (DAA DAS AAA AAS AAM AAD), following the pseudo-code of the Intel SDM
 * Vol. 2 and AMD APM Vol. 3 entries of the same names. All are invalid in 64-bit mode (the opcode
 * table marks them i64, the decoder raises #UD).
 */
import { fault, VECTOR } from '../fault.ts';
import { ARITH_FLAGS, FLAG, readFlags, settleFlags, szp } from '../flags.ts';
import type { Insn } from '../insn.ts';
import type { CpuState } from '../state.ts';

function setArith(c: CpuState, f: number): void {
  settleFlags(c);
  c.flagsBits = (c.flagsBits & ~ARITH_FLAGS) | f;
}

const al = (c: CpuState) => c.r[0]! & 0xff;
const setAl = (c: CpuState, v: number) => {
  c.r[0] = (c.r[0]! & ~0xff) | (v & 0xff);
};
const setAx = (c: CpuState, v: number) => {
  c.r[0] = (c.r[0]! & ~0xffff) | (v & 0xffff);
};

function daa(c: CpuState): void {
  const flags = readFlags(c);
  const oldAl = al(c);
  const oldCf = (flags & FLAG.CF) !== 0;
  let v = oldAl;
  let cf = false;
  let af = false;
  if ((v & 0xf) > 9 || (flags & FLAG.AF) !== 0) {
    cf = oldCf || v + 6 > 0xff;
    v = (v + 6) & 0xff;
    af = true;
  }
  if (oldAl > 0x99 || oldCf) {
    v = (v + 0x60) & 0xff;
    cf = true;
  } else cf = false;
  setAl(c, v);
  setArith(c, szp(v, 1) | (cf ? FLAG.CF : 0) | (af ? FLAG.AF : 0));
}

function das(c: CpuState): void {
  const flags = readFlags(c);
  const oldAl = al(c);
  const oldCf = (flags & FLAG.CF) !== 0;
  let v = oldAl;
  let cf = false;
  let af = false;
  if ((v & 0xf) > 9 || (flags & FLAG.AF) !== 0) {
    cf = oldCf || v < 6;
    v = (v - 6) & 0xff;
    af = true;
  }
  if (oldAl > 0x99 || oldCf) {
    v = (v - 0x60) & 0xff;
    cf = true;
  }
  setAl(c, v);
  setArith(c, szp(v, 1) | (cf ? FLAG.CF : 0) | (af ? FLAG.AF : 0));
}

function aaa(c: CpuState, sub: boolean): void {
  const flags = readFlags(c);
  const ax = c.r[0]! & 0xffff;
  if ((ax & 0xf) > 9 || (flags & FLAG.AF) !== 0) {
    const v = sub ? ax - 6 - 0x100 : ax + 0x106;
    setAx(c, (v & 0xff00) | (v & 0x0f));
    setArith(c, szp(v & 0xff, 1) | FLAG.CF | FLAG.AF);
  } else {
    setAx(c, ax & 0xff0f);
    setArith(c, szp(ax & 0xff, 1));
  }
}

export const bcdHandlers = {
  daa: (c: CpuState, _i: Insn) => daa(c),
  das: (c: CpuState, _i: Insn) => das(c),
  aaa: (c: CpuState, _i: Insn) => aaa(c, false),
  aas: (c: CpuState, _i: Insn) => aaa(c, true),
  aamIb: (c: CpuState, i: Insn) => {
    const base = Number(i.imm) & 0xff;
    if (base === 0) throw fault(VECTOR.DE, -1, 'AAM with a zero base');
    const a = al(c);
    const lo = a % base;
    setAx(c, (Math.floor(a / base) << 8) | lo);
    setArith(c, szp(lo, 1));
  },
  aadIb: (c: CpuState, i: Insn) => {
    const base = Number(i.imm) & 0xff;
    const a = al(c);
    const ah = (c.r[0]! >> 8) & 0xff;
    const v = (a + ah * base) & 0xff;
    setAx(c, v);
    setArith(c, szp(v, 1));
  },
};
