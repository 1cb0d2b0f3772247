/**
 * Pre-bound operations for the block cache: when a block is decoded, each instruction becomes one
 * closure `(c) => void`. For the hot forms of 16/32-bit code (ALU, MOV, INC/DEC, Jcc, shifts by a
 * constant) the closure is specialised on what the decoder already knows, so running it reads no
 * Insn field. A register operand of 1 or 2 bytes is (slot, shift, mask): AL is (0, 0, 0xFF), AH
 * (0, 8, 0xFF), AX (0, 0, 0xFFFF); 4-byte operands have their own closures (they zero bits 63:32).
 * An absent base or index register is slot 16, which always holds zero. Every other instruction binds
 * to its generic handler; both paths compute the same thing, and the SingleStepTests run and the
 * assembly tests execute through these closures.
 */
import { linear, readLin, writeLin } from '../access.ts';
import { carryFlag, condition, LAZY, SIZE_MASK } from '../flags.ts';
import type { Insn } from '../insn.ts';
import type { CpuState } from '../state.ts';
import { ALU, alu } from './alu.ts';
import { jumpTo } from './control.ts';
import { segOf } from './operands.ts';
import { SHIFT, shift32 } from './shift.ts';

export type Op = (c: CpuState) => void;
type Binder = (i: Insn) => Op | null;

const ZERO = 16;

/** Slot and shift of register `n` as a `size`-byte operand (AH..BH without REX are bits 15:8). */
function place(n: number, size: number, rex: boolean): [number, number] {
  return size === 1 && !rex && n >= 4 && n < 8 ? [n - 4, 8] : [n, 0];
}

/** 16/32-bit memory operand: [base slot, index slot, scale, disp, address mask, segment], or null. */
function memOf(i: Insn): [number, number, number, number, number, number] | null {
  if (i.mod === 3 || i.ripRelative || i.addrSize === 8) return null;
  return [
    i.base < 0 ? ZERO : i.base,
    i.index < 0 ? ZERO : i.index,
    i.addrSize === 2 ? 1 : i.scale,
    i.disp,
    i.addrSize === 2 ? 0xffff : 0xffffffff,
    segOf(i),
  ];
}

function aluBinder(op: number, form: 'E,G' | 'G,E' | 'E,I' | 'A,I', byte: boolean): Binder {
  return (i) => {
    const size = byte ? 1 : i.opSize;
    if (size === 8) return null;
    const rex = i.rex !== 0;
    const mask = SIZE_MASK[size]!;
    const write = op !== ALU.cmp;
    const imm = form === 'E,I' || form === 'A,I' ? (Number(i.imm) & mask) >>> 0 : 0;
    if (form === 'A,I' || (form === 'E,I' && i.mod === 3)) {
      const [d, dsh] = form === 'A,I' ? [0, 0] : place(i.rm, size, rex);
      if (size === 4) {
        return (c) => {
          const r = alu(c, op, c.r[d]! >>> 0, imm, 4);
          if (write) {
            c.r[d] = r;
            c.rh[d] = 0;
          }
        };
      }
      const keep = ~(mask << dsh);
      return (c) => {
        const r = alu(c, op, (c.r[d]! >>> dsh) & mask, imm, size);
        if (write) c.r[d] = (c.r[d]! & keep) | (r << dsh);
      };
    }
    if (i.mod === 3) {
      const [dn, sn] = form === 'G,E' ? [i.reg, i.rm] : [i.rm, i.reg];
      const [d, dsh] = place(dn, size, rex);
      const [s, ssh] = place(sn, size, rex);
      if (size === 4) {
        return (c) => {
          const r = alu(c, op, c.r[d]! >>> 0, c.r[s]! >>> 0, 4);
          if (write) {
            c.r[d] = r;
            c.rh[d] = 0;
          }
        };
      }
      const keep = ~(mask << dsh);
      return (c) => {
        const r = alu(c, op, (c.r[d]! >>> dsh) & mask, (c.r[s]! >>> ssh) & mask, size);
        if (write) c.r[d] = (c.r[d]! & keep) | (r << dsh);
      };
    }
    const m = memOf(i);
    if (m === null) return null;
    const [b, x, sc, disp, am, seg] = m;
    if (form === 'G,E') {
      const [d, dsh] = place(i.reg, size, rex);
      const keep = size === 4 ? 0 : ~(mask << dsh);
      return (c) => {
        const v = readLin(c, linear(c, seg, ((c.r[b]! + c.r[x]! * sc + disp) & am) >>> 0, size), size);
        const r = alu(c, op, size === 4 ? c.r[d]! >>> 0 : (c.r[d]! >>> dsh) & mask, v, size);
        if (!write) return;
        if (size === 4) {
          c.r[d] = r;
          c.rh[d] = 0;
        } else c.r[d] = (c.r[d]! & keep) | (r << dsh);
      };
    }
    // Memory destination: only CMP here (a read-modify-write keeps the generic handler's ordering).
    if (write) return null;
    if (form === 'E,I') {
      return (c) => {
        const v = readLin(c, linear(c, seg, ((c.r[b]! + c.r[x]! * sc + disp) & am) >>> 0, size), size);
        alu(c, op, v >>> 0, imm, size);
      };
    }
    const [s, ssh] = place(i.reg, size, rex);
    return (c) => {
      const v = readLin(c, linear(c, seg, ((c.r[b]! + c.r[x]! * sc + disp) & am) >>> 0, size), size);
      alu(c, op, v >>> 0, size === 4 ? c.r[s]! >>> 0 : (c.r[s]! >>> ssh) & mask, size);
    };
  };
}

function aluFamily(name: string, op: number): Record<string, Binder> {
  return {
    [`${name}EbGb`]: aluBinder(op, 'E,G', true),
    [`${name}EvGv`]: aluBinder(op, 'E,G', false),
    [`${name}GbEb`]: aluBinder(op, 'G,E', true),
    [`${name}GvEv`]: aluBinder(op, 'G,E', false),
    [`${name}ALIb`]: aluBinder(op, 'A,I', true),
    [`${name}rAXIz`]: aluBinder(op, 'A,I', false),
    [`${name}EbIb`]: aluBinder(op, 'E,I', true),
    [`${name}EvIz`]: aluBinder(op, 'E,I', false),
    [`${name}EvIb`]: aluBinder(op, 'E,I', false),
  };
}

/** MOV between registers, register <- memory, memory <- register. */
function movBinder(dir: 'E,G' | 'G,E', byte: boolean): Binder {
  return (i) => {
    const size = byte ? 1 : i.opSize;
    if (size === 8) return null;
    const rex = i.rex !== 0;
    const mask = SIZE_MASK[size]!;
    if (i.mod === 3) {
      const [dn, sn] = dir === 'G,E' ? [i.reg, i.rm] : [i.rm, i.reg];
      const [d, dsh] = place(dn, size, rex);
      const [s, ssh] = place(sn, size, rex);
      if (size === 4) {
        return (c) => {
          c.r[d] = c.r[s]!;
          c.rh[d] = 0;
        };
      }
      const keep = ~(mask << dsh);
      return (c) => {
        c.r[d] = (c.r[d]! & keep) | (((c.r[s]! >>> ssh) & mask) << dsh);
      };
    }
    const m = memOf(i);
    if (m === null) return null;
    const [b, x, sc, disp, am, seg] = m;
    const [g, gsh] = place(i.reg, size, rex);
    if (dir === 'G,E') {
      if (size === 4) {
        return (c) => {
          c.r[g] = readLin(c, linear(c, seg, ((c.r[b]! + c.r[x]! * sc + disp) & am) >>> 0, 4), 4);
          c.rh[g] = 0;
        };
      }
      const keep = ~(mask << gsh);
      return (c) => {
        const v = readLin(c, linear(c, seg, ((c.r[b]! + c.r[x]! * sc + disp) & am) >>> 0, size), size);
        c.r[g] = (c.r[g]! & keep) | (v << gsh);
      };
    }
    return (c) => {
      const v = size === 4 ? c.r[g]! : (c.r[g]! >>> gsh) & mask;
      writeLin(c, linear(c, seg, ((c.r[b]! + c.r[x]! * sc + disp) & am) >>> 0, size), size, v);
    };
  };
}

function movImmBinder(byte: boolean): Binder {
  return (i) => {
    const size = byte ? 1 : i.opSize;
    if (size === 8) return null;
    const mask = SIZE_MASK[size]!;
    const imm = (Number(i.imm) & mask) >>> 0;
    const [d, dsh] = place(i.rm, size, i.rex !== 0);
    if (size === 4) {
      return (c) => {
        c.r[d] = imm;
        c.rh[d] = 0;
      };
    }
    const keep = ~(mask << dsh);
    return (c) => {
      c.r[d] = (c.r[d]! & keep) | (imm << dsh);
    };
  };
}

/** CF of the lazy state (the rules of flags.ts carryFlag), for INC/DEC, which keep it. */
function lazyCarry(c: CpuState): number {
  switch (c.lazyOp) {
    case LAZY.none:
      return c.flagsBits & 1;
    case LAZY.add:
      return c.lazyRes < c.lazyA ? 1 : 0;
    case LAZY.sub:
      return c.lazyA < c.lazyB ? 1 : 0;
    case LAZY.logic:
      return 0;
    case LAZY.inc:
    case LAZY.dec:
      return c.lazyCin;
    default:
      return carryFlag(c) ? 1 : 0;
  }
}

/** INC/DEC r16/r32 (40+r, 48+r outside 64-bit mode). */
function incDecBinder(dec: boolean): Binder {
  return (i) => {
    const size = i.opSize;
    if (size === 8) return null;
    const n = i.rm;
    const mask = SIZE_MASK[size]!;
    const kind = dec ? LAZY.dec : LAZY.inc;
    const delta = dec ? -1 : 1;
    return (c) => {
      const a = size === 4 ? c.r[n]! >>> 0 : c.r[n]! & 0xffff;
      const r = ((a + delta) & mask) >>> 0;
      c.lazyCin = lazyCarry(c);
      c.lazyOp = kind;
      c.lazyA = a;
      c.lazyB = 1;
      c.lazyRes = r;
      c.lazySize = size;
      if (size === 4) {
        c.r[n] = r;
        c.rh[n] = 0;
      } else c.r[n] = (c.r[n]! & ~0xffff) | r;
    };
  };
}

/** Jcc outside 64-bit mode, the condition fixed at bind time; JNE/JNZ reads ZF straight off the lazy result. */
function jccBinder(i: Insn): Op | null {
  const size = i.opSize;
  if (size === 8) return null;
  const rel = i.imm as number;
  const cc = i.opcode & 0xf;
  if (cc === 5 || cc === 4) {
    const want = cc === 4;
    return (c) => {
      const zf = c.lazyOp === LAZY.none ? (c.flagsBits & 0x40) !== 0 : c.lazyRes === 0;
      if (zf === want) jumpTo(c, c.rip + rel, size);
    };
  }
  return (c) => {
    if (condition(c, cc)) jumpTo(c, c.rip + rel, size);
  };
}

/** Shift/rotate of a register by a constant count (Ib or 1). */
function shiftBinder(op: number, byte: boolean, one: boolean): Binder {
  return (i) => {
    const size = byte ? 1 : i.opSize;
    if (size === 8 || i.mod !== 3) return null;
    const n = (one ? 1 : Number(i.imm)) & 0x1f;
    const mask = SIZE_MASK[size]!;
    const [d, dsh] = place(i.rm, size, i.rex !== 0);
    // A zero count keeps value and flags but a 32-bit register is still written: bits 63:32 clear (shift.ts).
    if (n === 0) {
      return size === 4
        ? (c) => {
            c.rh[d] = 0;
          }
        : () => {};
    }
    if (size === 4) {
      return (c) => {
        c.r[d] = shift32(c, op, c.r[d]! >>> 0, n, 4);
        c.rh[d] = 0;
      };
    }
    const keep = ~(mask << dsh);
    return (c) => {
      c.r[d] = (c.r[d]! & keep) | (shift32(c, op, (c.r[d]! >>> dsh) & mask, n, size) << dsh);
    };
  };
}

function shiftFamily(name: string, op: number): Record<string, Binder> {
  return {
    [`${name}EbIb`]: shiftBinder(op, true, false),
    [`${name}EvIb`]: shiftBinder(op, false, false),
    [`${name}Eb1`]: shiftBinder(op, true, true),
    [`${name}Ev1`]: shiftBinder(op, false, true),
  };
}

/** Exec keys with a specialised binder; the rest use the generic handler. */
export const binders: Readonly<Record<string, Binder>> = {
  ...aluFamily('add', ALU.add),
  ...aluFamily('or', ALU.or),
  ...aluFamily('adc', ALU.adc),
  ...aluFamily('sbb', ALU.sbb),
  ...aluFamily('and', ALU.and),
  ...aluFamily('sub', ALU.sub),
  ...aluFamily('xor', ALU.xor),
  ...aluFamily('cmp', ALU.cmp),
  ...shiftFamily('rol', SHIFT.rol),
  ...shiftFamily('ror', SHIFT.ror),
  ...shiftFamily('rcl', SHIFT.rcl),
  ...shiftFamily('rcr', SHIFT.rcr),
  ...shiftFamily('shl', SHIFT.shl),
  ...shiftFamily('shr', SHIFT.shr),
  ...shiftFamily('sar', SHIFT.sar),
  movEbGb: movBinder('E,G', true),
  movEvGv: movBinder('E,G', false),
  movGbEb: movBinder('G,E', true),
  movGvEv: movBinder('G,E', false),
  movZbIb: movImmBinder(true),
  movZvIv: movImmBinder(false),
  incZv: incDecBinder(false),
  decZv: incDecBinder(true),
  jccJb: jccBinder,
  jccJz: jccBinder,
};
