/**
 * Registers by name for the Cpu API (`getReg`/`setReg`): GPRs at every width, IP/EIP/RIP, FLAGS,
 * segment selectors (real mode: the base follows), control and debug registers, EFER, the
 * descriptor-table registers and FS/GS base. Writes to CR0/CR3/CR4 go through modes.ts, as a MOV
 * would; an EFER write is a debugger's (LMA follows the value given).
 */
import { tlbOf } from './access.ts';
import { readFlags, writeFlags } from './flags.ts';
import { updateMode, writeCr0, writeCr3, writeCr4 } from './modes.ts';
import { parseRegName } from './reg-names.ts';
import { type CpuState, SEGS } from './state.ts';

export function readRegister(c: CpuState, name: string): bigint {
  const r = parseRegName(name);
  switch (r.kind) {
    case 'gpr': {
      const lo = c.r[r.n]!;
      if (r.size === 8) return (BigInt(c.rh[r.n]! >>> 0) << 32n) | BigInt(lo >>> 0);
      if (r.size === 4) return BigInt(lo >>> 0);
      if (r.size === 2) return BigInt(lo & 0xffff);
      return BigInt(r.high ? (lo >> 8) & 0xff : lo & 0xff);
    }
    case 'ip':
      return BigInt.asUintN(r.size * 8, BigInt(c.rip));
    case 'flags':
      return BigInt(readFlags(c) & (r.size === 2 ? 0xffff : 0xffffffff));
    case 'seg':
      return BigInt(c.segSel[r.n]!);
    default:
      return readOtherRegister(c, r.name);
  }
}

export function writeRegister(c: CpuState, name: string, value: bigint | number): void {
  const r = parseRegName(name);
  const v = BigInt.asUintN(64, BigInt(value));
  const lo = Number(v & 0xffffffffn);
  const hi = Number(v >> 32n) | 0;
  switch (r.kind) {
    case 'gpr':
      if (r.size === 8) {
        c.r[r.n] = lo;
        c.rh[r.n] = hi;
      } else if (r.size === 4) {
        c.r[r.n] = lo;
        c.rh[r.n] = 0;
      } else if (r.size === 2) c.r[r.n] = (c.r[r.n]! & ~0xffff) | (lo & 0xffff);
      else if (r.high) c.r[r.n] = (c.r[r.n]! & ~0xff00) | ((lo & 0xff) << 8);
      else c.r[r.n] = (c.r[r.n]! & ~0xff) | (lo & 0xff);
      return;
    case 'ip':
      c.rip = r.size === 8 ? Number(BigInt.asIntN(64, v)) : lo & (r.size === 2 ? 0xffff : 0xffffffff);
      if (r.size === 4) c.rip = lo >>> 0;
      return;
    case 'flags':
      writeFlags(c, r.size === 2 ? (readFlags(c) & ~0xffff) | (lo & 0xffff) : lo);
      return;
    case 'seg':
      if ((c.cr0 & 1) === 0 || r.n >= SEGS.LDTR) {
        // Real mode (or a raw LDTR/TR write): the selector, and base = selector << 4 in real mode.
        c.segSel[r.n] = lo & 0xffff;
        if ((c.cr0 & 1) === 0) c.segBase[r.n] = (lo & 0xffff) * 16;
      } else {
        throw new Error(`setReg('${name}') in protected mode would need a descriptor; use setSegment()`);
      }
      updateMode(c);
      return;
    default:
      writeOtherRegister(c, r.name, v);
  }
}

function readOtherRegister(c: CpuState, name: string): bigint {
  const u = (x: number) => BigInt.asUintN(64, BigInt(x));
  switch (name) {
    case 'cr0':
      return u(c.cr0);
    case 'cr2':
      return u(c.cr2);
    case 'cr3':
      return u(c.cr3);
    case 'cr4':
      return u(c.cr4);
    case 'cr8':
      return u(c.cr8);
    case 'efer':
      return u(c.efer);
    case 'dr6':
      return u(c.dr6);
    case 'dr7':
      return u(c.dr7);
    case 'gdtr_base':
      return u(c.gdtrBase);
    case 'gdtr_limit':
      return u(c.gdtrLimit);
    case 'idtr_base':
      return u(c.idtrBase);
    case 'idtr_limit':
      return u(c.idtrLimit);
    case 'fs_base':
      return u(c.segBase[SEGS.FS]!);
    case 'gs_base':
      return u(c.segBase[SEGS.GS]!);
    default:
      return u(c.xcr0);
  }
}

function writeOtherRegister(c: CpuState, name: string, v: bigint): void {
  const n = Number(BigInt.asIntN(64, v));
  const u32 = Number(v & 0xffffffffn);
  tlbOf(c);
  switch (name) {
    case 'cr0':
      writeCr0(c, u32);
      return;
    case 'cr2':
      c.cr2 = n;
      return;
    case 'cr3':
      writeCr3(c, Number(v));
      return;
    case 'cr4':
      writeCr4(c, u32);
      return;
    case 'cr8':
      c.cr8 = u32 & 0xf;
      return;
    case 'efer':
      // A debugger write: LMA follows what the caller says (a saved state may be in long mode).
      c.efer = u32;
      updateMode(c);
      return;
    case 'dr6':
      c.dr6 = u32;
      return;
    case 'dr7':
      c.dr7 = u32;
      return;
    case 'gdtr_base':
      c.gdtrBase = n;
      return;
    case 'gdtr_limit':
      c.gdtrLimit = u32 & 0xffff;
      return;
    case 'idtr_base':
      c.idtrBase = n;
      return;
    case 'idtr_limit':
      c.idtrLimit = u32 & 0xffff;
      return;
    case 'fs_base':
      c.segBase[SEGS.FS] = n;
      return;
    case 'gs_base':
      c.segBase[SEGS.GS] = n;
      return;
    default:
      c.xcr0 = u32;
  }
}
