/**
 * System instructions: flag bits (CLI STI CLD STD CLC STC CMC), HLT, descriptor tables (LGDT LIDT
 * SGDT SIDT LLDT LTR SLDT STR), control and debug registers, MSRs, CPUID, RDTSC(P), cache and TLB
 * maintenance, VMMCALL and VMGEXIT. Under SEV-ES the intercepted ones raise #VC with their SVM exit
 * code before changing anything (GHCB spec 4.1; the kernel's vc_handle_exitcode): the guest kernel
 * model or the guest's own #VC handler then talks to the hypervisor through the GHCB.
 */

import { linear, readLin, VcFault, write } from '../access.ts';
import { fault, gp, ud, VECTOR } from '../fault.ts';
import { carryFlag, FLAG, settleFlags } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { writeCr0, writeCr3, writeCr4, writeEfer } from '../modes.ts';
import { ACCESS, translateLinear } from '../paging.ts';
import { readRegister, writeRegister } from '../registers.ts';
import { readDescriptor, setSegment, unpackDescriptor } from '../segments.ts';
import { type CpuState, SEGS } from '../state.ts';
import { lpnOf } from '../tlb.ts';
import { ARCH_MSRS, CR0, MSR, SVM_EXIT } from '../vc-exits.ts';
import { ea, getReg, readE, segOf, setReg, TWO32, writeE } from './operands.ts';

function vc(c: CpuState, exit: number, why: string): void {
  if (c.sevEs) throw new VcFault(exit, why);
}

/** VMMCALL in a plain VM: the platform's hypercall sets RAX; without one the instruction is #UD. */
function hypercall(c: CpuState): void {
  if (!c.platform.vmmcall) throw ud('VMMCALL without a hypercall interface');
  writeRegister(c, 'rax', c.platform.vmmcall(readRegister(c, 'rax')));
}

function setFlag(c: CpuState, bit: number, on: boolean): void {
  settleFlags(c);
  c.flagsBits = on ? c.flagsBits | bit : c.flagsBits & ~bit;
}

/** LGDT/LIDT: 16-bit operand size loads a 24-bit base (lgdtw), 32 a 32-bit base, 64-bit mode 64. */
function loadTable(c: CpuState, i: Insn): [number, number] {
  if (i.mod === 3) throw ud('LGDT/LIDT with a register operand');
  const seg = segOf(i);
  const at = ea(c, i);
  const limit = readLin(c, linear(c, seg, at, 2), 2);
  const next = i.addrSize === 2 ? (at + 2) & 0xffff : i.addrSize === 4 ? (at + 2) >>> 0 : at + 2;
  if (c.long64) {
    const lo = readLin(c, linear(c, seg, next, 8), 8);
    return [limit, c.hi32 * TWO32 + lo];
  }
  const base = readLin(c, linear(c, seg, next, 4), 4);
  return [limit, i.opSize === 2 ? base & 0xffffff : base];
}

function storeTable(c: CpuState, i: Insn, limit: number, base: number): void {
  if (i.mod === 3) throw ud('SGDT/SIDT with a register operand');
  const seg = segOf(i);
  const at = ea(c, i);
  const next = i.addrSize === 2 ? (at + 2) & 0xffff : i.addrSize === 4 ? (at + 2) >>> 0 : at + 2;
  if (c.long64) {
    write(c, seg, next, 8, base >>> 0, Math.floor(base / TWO32));
  } else write(c, seg, next, 4, base >>> 0);
  write(c, seg, at, 2, limit);
}

/** Register operand of MOV CR/DR: 64 bits in 64-bit mode, else 32 (the decoder's opSize is F64). */
const crSize = (c: CpuState) => (c.long64 ? 8 : 4);

function readCr(c: CpuState, n: number): number {
  switch (n) {
    case 0:
      return c.cr0;
    case 2:
      return c.cr2;
    case 3:
      return c.cr3;
    case 4:
      return c.cr4;
    case 8:
      return c.cr8;
    default:
      throw ud(`MOV from CR${n}`);
  }
}

function writeCr(c: CpuState, n: number, v: number): void {
  switch (n) {
    case 0:
      writeCr0(c, v >>> 0);
      return;
    case 2:
      c.cr2 = v;
      return;
    case 3:
      writeCr3(c, v);
      return;
    case 4:
      writeCr4(c, v >>> 0);
      return;
    case 8:
      c.cr8 = v & 0xf;
      return;
    default:
      throw ud(`MOV to CR${n}`);
  }
}

/** RDMSR/WRMSR of an MSR the CPU keeps (ARCH_MSRS); others go to the Platform (or #VC). */
function readMsr(c: CpuState, msr: number): bigint {
  switch (msr) {
    case MSR.EFER:
      return BigInt(c.efer);
    case MSR.FS_BASE:
      return BigInt.asUintN(64, BigInt(c.segBase[SEGS.FS]!));
    case MSR.GS_BASE:
      return BigInt.asUintN(64, BigInt(c.segBase[SEGS.GS]!));
    case MSR.GHCB:
      return c.ghcbMsr;
    case MSR.TSC_AUX:
    case MSR.STAR:
    case MSR.LSTAR:
    case MSR.CSTAR:
    case MSR.SFMASK:
    case MSR.KERNEL_GS_BASE:
    case MSR.SYSENTER_CS:
    case MSR.SYSENTER_ESP:
    case MSR.SYSENTER_EIP:
      return c.msrs.get(msr) ?? 0n;
    case MSR.PAT:
      return c.msrs.get(msr) ?? 0x0007040600070406n;
  }
  vc(c, SVM_EXIT.MSR, `RDMSR 0x${msr.toString(16)}`);
  const v = c.platform.rdmsr(msr);
  if (v === undefined) throw gp(0, `RDMSR of MSR 0x${msr.toString(16)}, which does not exist`);
  return v;
}

function canonicalBase(v: bigint): number {
  const s = Number(BigInt.asIntN(64, v));
  if (s < -0x800000000000 || s >= 0x800000000000) throw gp(0, 'non-canonical segment base');
  return s;
}

function writeMsr(c: CpuState, msr: number, v: bigint): void {
  switch (msr) {
    case MSR.EFER:
      writeEfer(c, Number(v & 0xffffffffn));
      return;
    case MSR.FS_BASE:
      c.segBase[SEGS.FS] = canonicalBase(v);
      return;
    case MSR.GS_BASE:
      c.segBase[SEGS.GS] = canonicalBase(v);
      return;
    case MSR.GHCB:
      c.ghcbMsr = v;
      return;
    case MSR.TSC_AUX:
    case MSR.STAR:
    case MSR.LSTAR:
    case MSR.CSTAR:
    case MSR.SFMASK:
    case MSR.KERNEL_GS_BASE:
    case MSR.SYSENTER_CS:
    case MSR.SYSENTER_ESP:
    case MSR.SYSENTER_EIP:
    case MSR.PAT:
      c.msrs.set(msr, v);
      return;
  }
  vc(c, SVM_EXIT.MSR, `WRMSR 0x${msr.toString(16)}`);
  if (!c.platform.wrmsr(msr, v)) throw gp(0, `WRMSR to MSR 0x${msr.toString(16)} refused`);
}

function setEdxEax(c: CpuState, v: bigint): void {
  setReg(c, 0, 4, Number(v & 0xffffffffn), true);
  setReg(c, 2, 4, Number((v >> 32n) & 0xffffffffn), true);
}

/** The TSC: instructions retired, so runs are deterministic. */
const tsc = (c: CpuState) => BigInt(c.instructionsRetired);

/** LLDT/LTR: a system descriptor of the right type from the GDT (16-byte in long mode). */
function loadSystemSegment(c: CpuState, slot: number, sel: number, types: readonly number[]): void {
  if ((sel & 0xfffc) === 0 && slot === SEGS.LDTR) {
    setSegment(c, slot, sel, 0, -1, 0);
    return;
  }
  if ((sel & 4) !== 0) throw gp(sel & 0xfffc, 'LLDT/LTR selector points into the LDT');
  const d = readDescriptor(c, sel);
  const desc = unpackDescriptor(d.lo, d.hi);
  if ((desc.attr & 0x10) !== 0 || !types.includes(desc.attr & 0xf))
    throw gp(sel & 0xfffc, 'wrong descriptor type');
  if ((desc.attr & 0x80) === 0) throw fault(VECTOR.NP, sel & 0xfffc, 'system segment not present');
  let base = desc.base;
  if ((c.efer & 0x400) !== 0) base += (readLin(c, d.lin + 8, 4) | 0) * TWO32;
  setSegment(c, slot, sel, base, desc.limit, desc.attr);
}

export const systemHandlers = {
  cli: (c: CpuState, _i: Insn) => setFlag(c, FLAG.IF, false),
  sti: (c: CpuState, _i: Insn) => {
    // STI shadow: interrupts are recognised only after the next instruction (APM "STI").
    if ((c.flagsBits & FLAG.IF) === 0) c.shadowArm = true;
    setFlag(c, FLAG.IF, true);
  },
  cld: (c: CpuState, _i: Insn) => setFlag(c, FLAG.DF, false),
  std: (c: CpuState, _i: Insn) => setFlag(c, FLAG.DF, true),
  clc: (c: CpuState, _i: Insn) => setFlag(c, FLAG.CF, false),
  stc: (c: CpuState, _i: Insn) => setFlag(c, FLAG.CF, true),
  cmc: (c: CpuState, _i: Insn) => setFlag(c, FLAG.CF, !carryFlag(c)),
  hlt: (c: CpuState, _i: Insn) => {
    c.halted = true;
  },
  lgdtMs: (c: CpuState, i: Insn) => {
    [c.gdtrLimit, c.gdtrBase] = loadTable(c, i);
  },
  lidtMs: (c: CpuState, i: Insn) => {
    [c.idtrLimit, c.idtrBase] = loadTable(c, i);
  },
  sgdtMs: (c: CpuState, i: Insn) => storeTable(c, i, c.gdtrLimit, c.gdtrBase),
  sidtMs: (c: CpuState, i: Insn) => storeTable(c, i, c.idtrLimit, c.idtrBase),
  sldtEw: (c: CpuState, i: Insn) => writeE(c, i, i.mod === 3 ? i.opSize : 2, c.segSel[SEGS.LDTR]!),
  strEw: (c: CpuState, i: Insn) => writeE(c, i, i.mod === 3 ? i.opSize : 2, c.segSel[SEGS.TR]!),
  lldtEw: (c: CpuState, i: Insn) => loadSystemSegment(c, SEGS.LDTR, readE(c, i, 2), [2]),
  ltrEw: (c: CpuState, i: Insn) => loadSystemSegment(c, SEGS.TR, readE(c, i, 2), [1, 9]),
  smswEw: (c: CpuState, i: Insn) => writeE(c, i, i.mod === 3 ? i.opSize : 2, c.cr0 & 0xffff),
  lmswEw: (c: CpuState, i: Insn) => {
    // LMSW changes PE MP EM TS only, and cannot clear PE (APM "LMSW").
    const v = readE(c, i, 2) & 0xf;
    writeCr0(c, ((c.cr0 & ~0xe) | v | (c.cr0 & CR0.PE)) >>> 0);
  },
  clts: (c: CpuState, _i: Insn) => {
    c.cr0 = (c.cr0 & ~CR0.TS) >>> 0;
  },
  movRyCy: (c: CpuState, i: Insn) => {
    const v = readCr(c, i.reg);
    setReg(c, i.rm, crSize(c), v >>> 0, true, Math.floor(v / TWO32));
  },
  movCyRy: (c: CpuState, i: Insn) => {
    const lo = getReg(c, i.rm, crSize(c), true);
    const v = c.long64 ? (c.hi32 >>> 0) * TWO32 + lo : lo;
    writeCr(c, i.reg, i.reg === 2 && c.long64 ? c.hi32 * TWO32 + lo : v);
  },
  movRyDy: (c: CpuState, i: Insn) => {
    const n = i.reg;
    if (n === 7 || n === 5) vc(c, SVM_EXIT.READ_DR7, 'MOV from DR7');
    const v = n === 7 || n === 5 ? c.dr7 : n === 6 || n === 4 ? c.dr6 : c.drAddr[n & 3]!;
    setReg(c, i.rm, crSize(c), v >>> 0, true, Math.floor(v / TWO32));
  },
  movDyRy: (c: CpuState, i: Insn) => {
    const n = i.reg;
    if (n === 7 || n === 5) vc(c, SVM_EXIT.WRITE_DR7, 'MOV to DR7');
    const v = getReg(c, i.rm, crSize(c), true);
    if (n === 7 || n === 5) c.dr7 = (v | 0x400) >>> 0;
    else if (n === 6 || n === 4) c.dr6 = (v | 0xffff0ff0) >>> 0;
    else c.drAddr[n & 3] = c.long64 ? c.hi32 * TWO32 + v : v;
  },
  rdmsr: (c: CpuState, _i: Insn) => setEdxEax(c, readMsr(c, c.r[1]! >>> 0)),
  wrmsr: (c: CpuState, _i: Insn) => {
    const v = (BigInt(c.r[2]! >>> 0) << 32n) | BigInt(c.r[0]! >>> 0);
    writeMsr(c, c.r[1]! >>> 0, v);
  },
  cpuid: (c: CpuState, _i: Insn) => {
    vc(c, SVM_EXIT.CPUID, 'CPUID');
    const r = c.platform.cpuid(c.r[0]! >>> 0, c.r[1]! >>> 0);
    setReg(c, 0, 4, r.eax, true);
    setReg(c, 3, 4, r.ebx, true);
    setReg(c, 1, 4, r.ecx, true);
    setReg(c, 2, 4, r.edx, true);
  },
  rdtsc: (c: CpuState, _i: Insn) => {
    vc(c, SVM_EXIT.RDTSC, 'RDTSC');
    setEdxEax(c, tsc(c));
  },
  rdtscp: (c: CpuState, _i: Insn) => {
    vc(c, SVM_EXIT.RDTSCP, 'RDTSCP');
    setEdxEax(c, tsc(c));
    setReg(c, 1, 4, Number((c.msrs.get(MSR.TSC_AUX) ?? 0n) & 0xffffffffn), true);
  },
  rdpmc: (c: CpuState, _i: Insn) => {
    vc(c, SVM_EXIT.RDPMC, 'RDPMC');
    setEdxEax(c, 0n);
  },
  wbinvd: (c: CpuState, _i: Insn) => vc(c, SVM_EXIT.WBINVD, 'WBINVD'),
  invd: (c: CpuState, _i: Insn) => vc(c, SVM_EXIT.INVD, 'INVD'),
  monitor: (c: CpuState, _i: Insn) => vc(c, SVM_EXIT.MONITOR, 'MONITOR'),
  mwait: (c: CpuState, _i: Insn) => vc(c, SVM_EXIT.MWAIT, 'MWAIT'),
  vmmcall: (c: CpuState, _i: Insn) => {
    vc(c, SVM_EXIT.VMMCALL, 'VMMCALL');
    hypercall(c);
  },
  vmgexit: (c: CpuState, _i: Insn) => {
    // Outside an SEV-ES guest F3 0F 01 D9 is VMMCALL (the F3 is ignored).
    if (!c.sevEs) return hypercall(c);
    c.exitReason = { kind: 'vmgexit' };
  },
  invlpgMb: (c: CpuState, i: Insn) => {
    const lin = linear(c, segOf(i), ea(c, i), 1);
    c.tlb?.flushPage(lpnOf(lin));
  },
  clflushMb: (c: CpuState, i: Insn) => {
    // CLFLUSH of an MMIO page under SEV-ES still faults (NPF); the kernel's #VC handler skips it.
    const lin = linear(c, segOf(i), ea(c, i), 1);
    const gpa = translateLinear(c, lin, ACCESS.read);
    if (c.sevEs && c.memory.ramPage(Math.floor(gpa / 4096), true) === undefined && c.memory.mmioAt(gpa)) {
      throw new VcFault(SVM_EXIT.NPF, `CLFLUSH of MMIO at GPA 0x${gpa.toString(16)}`, gpa);
    }
  },
  swapgs: (c: CpuState, _i: Insn) => {
    const k = c.msrs.get(MSR.KERNEL_GS_BASE) ?? 0n;
    c.msrs.set(MSR.KERNEL_GS_BASE, BigInt.asUintN(64, BigInt(c.segBase[SEGS.GS]!)));
    c.segBase[SEGS.GS] = Number(BigInt.asIntN(64, k));
  },
  xgetbv: (c: CpuState, _i: Insn) => {
    if (c.r[1]! >>> 0 !== 0) throw gp(0, 'XGETBV of an XCR other than XCR0');
    setEdxEax(c, BigInt(c.xcr0));
  },
  xsetbv: (c: CpuState, _i: Insn) => {
    if (c.r[1]! >>> 0 !== 0 || (c.r[0]! & 1) === 0) throw gp(0, 'XSETBV: only XCR0 with x87 enabled');
    c.xcr0 = c.r[0]! >>> 0;
  },
  ud2: (_c: CpuState, _i: Insn) => {
    throw ud('UD2');
  },
  ud0GdEd: (_c: CpuState, _i: Insn) => {
    throw ud('UD0');
  },
  ud1GvEv: (_c: CpuState, _i: Insn) => {
    throw ud('UD1');
  },
  fwait: (_c: CpuState, _i: Insn) => {},
  lfence: (_c: CpuState, _i: Insn) => {},
  mfence: (_c: CpuState, _i: Insn) => {},
  sfence: (_c: CpuState, _i: Insn) => {},
};

/** RDMSR/WRMSR of the MSRs the CPU keeps, for the Cpu API (never a Platform call or a #VC). */
export const archMsr = {
  read(c: CpuState, msr: number): bigint {
    if (!ARCH_MSRS.has(msr))
      throw new Error(`MSR 0x${msr.toString(16)} is not kept by the CPU; the Platform owns it`);
    return readMsr(c, msr);
  },
  write(c: CpuState, msr: number, v: bigint): void {
    if (!ARCH_MSRS.has(msr))
      throw new Error(`MSR 0x${msr.toString(16)} is not kept by the CPU; the Platform owns it`);
    writeMsr(c, msr, v);
  },
};
