/**
 * Small instructions early boot code uses: the x87 control-word probe (FNINIT, FNCLEX, FNSTSW,
 * FNSTCW, FLDCW; x87 arithmetic is not modelled), CLAC/STAC, CMPXCHG8B/16B, RDRAND/RDSEED (no
 * entropy source: CF = 0, "retry", as the manual allows) and RDPID.
 */
import { read, write } from '../access.ts';
import { ud } from '../fault.ts';
import { FLAG, settleFlags } from '../flags.ts';
import type { Insn } from '../insn.ts';
import type { CpuState } from '../state.ts';
import { MSR } from '../vc-exits.ts';
import { ea, segOf, setReg, TWO32 } from './operands.ts';

function flag(c: CpuState, bit: number, on: boolean): void {
  settleFlags(c);
  c.flagsBits = on ? c.flagsBits | bit : c.flagsBits & ~bit;
}

/** CMPXCHG8B m64 / CMPXCHG16B m128 (REX.W): compare rDX:rAX with memory (APM "CMPXCHG8B"). */
function cmpxchgWide(c: CpuState, i: Insn): void {
  if (i.mod === 3) throw ud('CMPXCHG8B with a register operand');
  const seg = segOf(i);
  const at = ea(c, i);
  const half = i.opSize === 8 ? 8 : 4;
  const next = (k: number) =>
    i.addrSize === 2 ? (at + k) & 0xffff : i.addrSize === 4 ? (at + k) >>> 0 : at + k;
  const lo = read(c, seg, at, half);
  const loHi = c.hi32;
  const hi = read(c, seg, next(half), half);
  const hiHi = c.hi32;
  const eq =
    half === 4
      ? lo === c.r[0]! >>> 0 && hi === c.r[2]! >>> 0
      : lo === c.r[0]! >>> 0 && loHi === c.rh[0]! && hi === c.r[2]! >>> 0 && hiHi === c.rh[2]!;
  if (eq) {
    write(c, seg, at, half, c.r[3]!, c.rh[3]!);
    write(c, seg, next(half), half, c.r[1]!, c.rh[1]!);
  } else {
    // The destination is written back either way (a locked RMW), then rDX:rAX takes its value.
    write(c, seg, at, half, lo, loHi);
    setReg(c, 0, half, lo, true, loHi);
    setReg(c, 2, half, hi, true, hiHi);
  }
  flag(c, FLAG.ZF, eq);
}

function noEntropy(c: CpuState, i: Insn): void {
  setReg(c, i.rm, i.opSize, 0, true, 0);
  settleFlags(c);
  c.flagsBits &= ~(FLAG.CF | FLAG.OF | FLAG.SF | FLAG.ZF | FLAG.AF | FLAG.PF);
}

export const miscHandlers = {
  fninit: (c: CpuState, _i: Insn) => {
    c.fpuCw = 0x37f;
    c.fpuSw = 0;
  },
  fnclex: (c: CpuState, _i: Insn) => {
    c.fpuSw &= 0x7f00;
  },
  fnstswAX: (c: CpuState, _i: Insn) => setReg(c, 0, 2, c.fpuSw, true),
  fnstswMw: (c: CpuState, i: Insn) => write(c, segOf(i), ea(c, i), 2, c.fpuSw),
  fnstcwMw: (c: CpuState, i: Insn) => write(c, segOf(i), ea(c, i), 2, c.fpuCw),
  fldcwMw: (c: CpuState, i: Insn) => {
    c.fpuCw = read(c, segOf(i), ea(c, i), 2);
  },
  clac: (c: CpuState, _i: Insn) => flag(c, FLAG.AC, false),
  stac: (c: CpuState, _i: Insn) => flag(c, FLAG.AC, true),
  cmpxchg8bMq: cmpxchgWide,
  rdrandRv: noEntropy,
  rdseedRv: noEntropy,
  rdpidRy: (c: CpuState, i: Insn) => {
    const v = c.msrs.get(MSR.TSC_AUX) ?? 0n;
    setReg(c, i.rm, c.long64 ? 8 : 4, Number(v & 0xffffffffn), true, Math.floor(Number(v) / TWO32));
  },
};
