/**
 * Hot blocks compiled to one JavaScript function each. A block that ran `DecodeCache.compileAfter`
 * times is turned into straight-line source: the hot 16/32-bit forms (ALU, MOV, LEA, INC/DEC,
 * shifts by a constant, Jcc/JMP) are written out with their registers, sizes and displacements as
 * literals; every other instruction calls its pre-bound operation (exec/bind.ts). The generated code
 * computes exactly what the handlers compute (the lazy-flag fields included) and keeps the same
 * contract: `c.rip` holds the next instruction's offset while an instruction runs, a store that hits
 * cached code ends the block, and a guest fault is thrown to the executor's one catch site, which
 * finds the faulting instruction from `c.rip`.
 *
 * The source is built only from numbers the decoder produced and fixed text, never from guest data
 * as strings, so `new Function` here compiles nothing the guest controls.
 */
import { linear, readLin, writeLin } from '../access.ts';
import { carryFlag, condition, LAZY, SIZE_MASK } from '../flags.ts';
import type { Insn } from '../insn.ts';
import type { CpuState } from '../state.ts';
import { ALU } from './alu.ts';
import type { Op } from './bind.ts';
import { jumpTo } from './control.ts';
import { segOf } from './operands.ts';
import { shift32 } from './shift.ts';

/** Runs a whole block from offset `start`; returns the number of instructions retired. */
export type CompiledBlock = (
  c: CpuState,
  start: number,
  ops: readonly Op[],
  blk: { valid: boolean },
  /** Instructions the run may still retire (a self-looping block stops short of it). */
  left: number,
) => number;

/** What the generated code may call. */
const HELPERS = { linear, readLin, writeLin, jumpTo, shift32, carryFlag, condition };

const ZERO = 16;

/** A register operand of `size` bytes as [slot, shift]: AH..BH (no REX) are bits 15:8 of slots 0-3. */
function place(n: number, size: number, rex: boolean): [number, number] {
  return size === 1 && !rex && n >= 4 && n < 8 ? [n - 4, 8] : [n, 0];
}

function readReg(n: number, size: number, rex: boolean): string {
  if (size === 4) return `(r[${n}] >>> 0)`;
  const [s, sh] = place(n, size, rex);
  return `((r[${s}] >>> ${sh}) & ${SIZE_MASK[size]})`;
}

function writeReg(n: number, size: number, rex: boolean, v: string): string {
  if (size === 4) return `r[${n}] = ${v}; rh[${n}] = 0;`;
  const [s, sh] = place(n, size, rex);
  return `r[${s}] = (r[${s}] & ${~(SIZE_MASK[size]! << sh)}) | (${v} << ${sh});`;
}

/** The offset of a 16/32-bit memory operand, or null for other addressing (64-bit, RIP-relative). */
function eaExpr(i: Insn): string | null {
  if (i.mod === 3 || i.ripRelative || i.addrSize === 8) return null;
  const b = i.base < 0 ? ZERO : i.base;
  const x = i.index < 0 ? ZERO : i.index;
  const sc = i.addrSize === 2 ? 1 : i.scale;
  const sum = `r[${b}] + r[${x}] * ${sc} + ${i.disp}`;
  return i.addrSize === 2 ? `((${sum}) & 65535)` : `((${sum}) >>> 0)`;
}

function memRead(i: Insn, size: number): string | null {
  const ea = eaExpr(i);
  return ea === null ? null : `h.readLin(c, h.linear(c, ${segOf(i)}, ${ea}, ${size}), ${size})`;
}

/** Lazy-flag ALU on `a`, `b` (already unsigned); leaves the result in `v`. Mirrors alu.ts `alu`. */
function aluCode(op: number, size: number): string {
  const wrap = (x: string) => (size === 4 ? `(${x}) >>> 0` : `(${x}) & ${SIZE_MASK[size]}`);
  let body: string;
  switch (op) {
    case ALU.add:
      body = `v = ${wrap('a + b')}; c.lazyOp = ${LAZY.add};`;
      break;
    case ALU.adc:
      body = `cin = h.carryFlag(c) ? 1 : 0; v = ${wrap('a + b + cin')}; c.lazyOp = ${LAZY.adc}; c.lazyCin = cin;`;
      break;
    case ALU.sbb:
      body = `cin = h.carryFlag(c) ? 1 : 0; v = ${wrap('a - b - cin')}; c.lazyOp = ${LAZY.sbb}; c.lazyCin = cin;`;
      break;
    case ALU.sub:
    case ALU.cmp:
      body = `v = ${wrap('a - b')}; c.lazyOp = ${LAZY.sub};`;
      break;
    case ALU.or:
      body = `v = (a | b) >>> 0; c.lazyOp = ${LAZY.logic};`;
      break;
    case ALU.and:
      body = `v = (a & b) >>> 0; c.lazyOp = ${LAZY.logic};`;
      break;
    default:
      body = `v = (a ^ b) >>> 0; c.lazyOp = ${LAZY.logic};`;
  }
  return `${body} c.lazyA = a; c.lazyB = b; c.lazyRes = v; c.lazySize = ${size};`;
}

const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'] as const;
const SHIFT_NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'] as const;

/** Inline source for one instruction, or null to call its bound operation. */
function template(i: Insn): string | null {
  const key = i.op.exec;
  if (key === null) return null;
  const rex = i.rex !== 0;
  const m = /^(add|or|adc|sbb|and|sub|xor|cmp)(EbGb|EvGv|GbEb|GvEv|ALIb|rAXIz|EbIb|EvIz|EvIb)$/.exec(key);
  if (m) {
    const op = ALU_NAMES.indexOf(m[1] as (typeof ALU_NAMES)[number]);
    const form = m[2]!;
    const size = form.includes('b') && !form.includes('v') ? 1 : i.opSize;
    if (size === 8) return null;
    const write = op !== ALU.cmp;
    const imm = `${(Number(i.imm) & SIZE_MASK[size]!) >>> 0}`;
    let a: string;
    let b: string;
    let dst: ((v: string) => string) | null;
    if (form === 'ALIb' || form === 'rAXIz') {
      a = readReg(0, size, false);
      b = imm;
      dst = (v) => writeReg(0, size, false, v);
    } else if (form.startsWith('G')) {
      a = readReg(i.reg, size, rex);
      const src = i.mod === 3 ? readReg(i.rm, size, rex) : memRead(i, size);
      if (src === null) return null;
      b = src;
      dst = (v) => writeReg(i.reg, size, rex, v);
    } else {
      b = form.includes('I') ? imm : readReg(i.reg, size, rex);
      if (i.mod === 3) {
        a = readReg(i.rm, size, rex);
        dst = (v) => writeReg(i.rm, size, rex, v);
      } else {
        // A memory destination keeps the handler (its write-before-flags ordering); CMP only reads.
        const src = memRead(i, size);
        if (src === null || write) return null;
        a = src;
        dst = null;
      }
    }
    return `a = ${a}; b = ${b}; ${aluCode(op, size)}${write && dst ? ` ${dst('v')}` : ''}`;
  }
  const mv = /^mov(EbGb|EvGv|GbEb|GvEv|ZbIb|ZvIv)$/.exec(key);
  if (mv) {
    const form = mv[1]!;
    const size = form.endsWith('b') && form !== 'ZvIv' ? 1 : i.opSize;
    if (size === 8) return null;
    if (form === 'ZbIb' || form === 'ZvIv') {
      return writeReg(i.rm, size, rex, `${(Number(i.imm) & SIZE_MASK[size]!) >>> 0}`);
    }
    const toG = form.startsWith('G');
    if (i.mod === 3) {
      const [d, s] = toG ? [i.reg, i.rm] : [i.rm, i.reg];
      return writeReg(d, size, rex, readReg(s, size, rex));
    }
    const ea = eaExpr(i);
    if (ea === null) return null;
    if (toG) return writeReg(i.reg, size, rex, `${memRead(i, size)}`);
    return `h.writeLin(c, h.linear(c, ${segOf(i)}, ${ea}, ${size}), ${size}, ${readReg(i.reg, size, rex)}); if (!blk.valid) return K;`;
  }
  if (key === 'leaGvM') {
    const ea = eaExpr(i);
    if (ea === null || i.opSize === 8) return null;
    return writeReg(i.reg, i.opSize, rex, i.opSize === 2 ? `(${ea} & 65535)` : ea);
  }
  if (key === 'incZv' || key === 'decZv') {
    const size = i.opSize;
    if (size === 8) return null;
    const dec = key === 'decZv';
    const v = size === 4 ? `(a ${dec ? '-' : '+'} 1) >>> 0` : `(a ${dec ? '-' : '+'} 1) & 65535`;
    return (
      `a = ${readReg(i.rm, size, true)}; cin = h.carryFlag(c) ? 1 : 0; v = ${v}; ` +
      `c.lazyOp = ${dec ? LAZY.dec : LAZY.inc}; c.lazyA = a; c.lazyB = 1; c.lazyRes = v; c.lazySize = ${size}; ` +
      `c.lazyCin = cin; ${writeReg(i.rm, size, true, 'v')}`
    );
  }
  const sh = /^(rol|ror|rcl|rcr|shl|shr|sar)(EbIb|EvIb|Eb1|Ev1)$/.exec(key);
  if (sh) {
    const size = sh[2]!.startsWith('Eb') ? 1 : i.opSize;
    if (size === 8 || i.mod !== 3) return null;
    const n = (sh[2]!.endsWith('1') ? 1 : Number(i.imm)) & 0x1f;
    // A zero count leaves flags and value but still clears bits 63:32 of a 32-bit register (shift.ts).
    if (n === 0) return size === 4 ? `rh[${i.rm}] = 0;` : '';
    const op = SHIFT_NAMES.indexOf(sh[1] as (typeof SHIFT_NAMES)[number]);
    return writeReg(i.rm, size, rex, `h.shift32(c, ${op}, ${readReg(i.rm, size, rex)}, ${n}, ${size})`);
  }
  if ((key === 'jccJb' || key === 'jccJz' || key === 'jmpJb' || key === 'jmpJz') && i.opSize !== 8) {
    const jump = `h.jumpTo(c, c.rip + ${i.imm as number}, ${i.opSize});`;
    if (key.startsWith('jmp')) return jump;
    const cc = i.opcode & 0xf;
    const cond =
      cc === 4 || cc === 5
        ? `${cc === 5 ? '!' : ''}(c.lazyOp === ${LAZY.none} ? (c.flagsBits & 64) !== 0 : c.lazyRes === 0)`
        : `h.condition(c, ${cc})`;
    return `if (${cond}) ${jump}`;
  }
  return null;
}

/** A branch back to the block's own start (a tight loop) with nothing but inline, store-free code. */
function selfLoop(insns: readonly Insn[], bodies: readonly (string | null)[]): boolean {
  const last = insns[insns.length - 1]!;
  const key = last.op.exec ?? '';
  if (!/^(jcc|jmp)J[bz]$/.test(key) || last.opSize === 8) return false;
  const total = insns.reduce((n, i) => n + i.length, 0);
  return (last.imm as number) === -total && bodies.every((b) => b !== null && !b.includes('writeLin'));
}

/**
 * Build the function for a block of decoded instructions. A self-looping block iterates inside the
 * function while it branches back, the budget allows another pass, and nothing asks the run loop to
 * look (a stop request or a pending event from a device it read, a write that dropped the block); it
 * counts the passes it completed into `instructionsRetired` itself and returns the last pass's count.
 */
export function compileBlock(insns: readonly Insn[]): CompiledBlock {
  const bodies = insns.map(template);
  const lines: string[] = ['const r = c.r, rh = c.rh; let a = 0, b = 0, v = 0, cin = 0;'];
  const loop = selfLoop(insns, bodies);
  const n = insns.length;
  if (loop) lines.push('let budget = left;', 'for (;;) {');
  let off = 0;
  insns.forEach((i, k) => {
    off += i.length;
    lines.push(`c.rip = start + ${off};`);
    const t = bodies[k]!;
    // A called operation may store into cached code: the block then ends where it is.
    lines.push(
      t === null
        ? `ops[${k}](c); if (!blk.valid) return ${k + 1};`
        : t.replaceAll('return K', `return ${k + 1}`),
    );
  });
  if (loop) {
    lines.push(
      `budget -= ${n};`,
      `if (c.rip !== start || budget < ${n} || !blk.valid || c.stopRequest !== null || c.pendingIrqs !== null || c.pendingNmi) return ${n};`,
      `c.instructionsRetired += ${n};`,
      '}',
    );
  } else lines.push(`return ${n};`);
  const factory = new Function(
    'h',
    `return function block(c, start, ops, blk, left) {\n${lines.join('\n')}\n};`,
  );
  return factory(HELPERS) as CompiledBlock;
}
