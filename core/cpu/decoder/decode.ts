/**
 * x86 instruction decoding: a chain of small scanners (Blink's x86.c shape), each returning the next
 * byte position or stopping on a named error:
 *
 *   prefixes -> opcode (+ VEX/EVEX/XOP) -> row selection (+ ModRM byte) -> SIB/displacement ->
 *   immediate -> mode and LOCK checks.
 *
 * One object per instruction, table lookups only: no regexes or strings on this path.
 */
import type { CodeSize, Insn } from '../insn.ts';
import { PRIMARY } from '../opcodes/index.ts';
import { ATTR, bad, IMM } from '../opcodes/row.ts';
import { type DecodeError, type DecodeReason, decodeError, END } from './errors.ts';
import { scanImmediate } from './immediate.ts';
import { scanAddress } from './modrm.ts';
import { scanOpcode } from './opcode.ts';
import { scanPrefixes } from './prefixes.ts';
import { selectRow } from './select.ts';

/** SDM Vol. 2 2.3.11: an instruction longer than this raises #GP. */
export const MAX_INSN_LENGTH = 15;

const UNDECODED = bad();
/** 90 with REX.B is XCHG r8, rAX, not NOP (SDM NOP/XCHG). */
const XCHG_ZV_RAX = PRIMARY[0x91];

function blankInsn(codeSize: CodeSize): Insn {
  return {
    length: 0,
    codeSize,
    opSize: 4,
    addrSize: 4,
    rep: 0,
    lock: false,
    segOverride: -1,
    rex: 0,
    map: 'primary',
    opcode: 0,
    op: UNDECODED,
    opSizePrefix: false,
    addrSizePrefix: false,
    vexMap: 0,
    vexPp: 0,
    vvvv: -1,
    vexL: 0,
    hasModrm: false,
    mod: -1,
    reg: -1,
    rm: -1,
    base: -1,
    index: -1,
    scale: 1,
    disp: 0,
    ripRelative: false,
    imm: 0,
    imm2: 0,
  };
}

/** Operand size for "v" operands (SDM Vol. 1 3.6 table 3-4; Vol. 2 2.2.1.2 for d64/f64). */
function operandSize(insn: Insn, attrs: number): 1 | 2 | 4 | 8 {
  if (insn.op.byteForm) return 1;
  const o66 = insn.opSizePrefix && (attrs & ATTR.MANDATORY66) === 0;
  if (insn.codeSize === 64) {
    if (attrs & ATTR.F64 || insn.rex & 8) return 8;
    if (o66) return 2;
    return attrs & ATTR.D64 ? 8 : 4;
  }
  return (insn.codeSize === 32) !== o66 ? 4 : 2;
}

function addressSize(codeSize: CodeSize, a67: boolean): 2 | 4 | 8 {
  if (codeSize === 64) return a67 ? 4 : 8;
  return (codeSize === 32) !== a67 ? 4 : 2;
}

/** A scanner needed a byte past `stop`: past 15 bytes the instruction is too long, else the input ended. */
function ranOut(pos: number, end: number): DecodeError {
  return end >= pos + MAX_INSN_LENGTH
    ? decodeError('too-long', MAX_INSN_LENGTH)
    : decodeError('truncated', end - pos);
}

/**
 * Decodes one instruction from `buf[pos..end)` in code of size `codeSize`. Never reads at or past
 * `end`, nor more than 15 bytes.
 */
export function decode(buf: Uint8Array, pos: number, end: number, codeSize: CodeSize): Insn | DecodeError {
  const stop = Math.min(end, pos + MAX_INSN_LENGTH);
  const insn = blankInsn(codeSize);
  let p = scanPrefixes(buf, pos, stop, insn, codeSize);
  if (p === END) return ranOut(pos, end);
  // VEX/EVEX/XOP after 66, F2, F3, LOCK or REX is #UD (SDM 2.3.2); the length is still theirs.
  const legacyBeforeVex = insn.rex !== 0 || insn.opSizePrefix || insn.rep !== 0 || insn.lock;
  p = scanOpcode(buf, p, stop, insn, codeSize);
  if (p === END) return ranOut(pos, end);
  // An i64 opcode in 64-bit code is #UD as soon as the opcode is seen (82 and D4/D5 included).
  if (codeSize === 64 && insn.op.attrs & ATTR.I64) return decodeError('invalid-in-mode', p - pos);
  if (insn.map === 'primary' && insn.opcode === 0x90 && insn.rex & 1) insn.op = XCHG_ZV_RAX;
  p = selectRow(buf, p, stop, insn);
  if (p === END) return ranOut(pos, end);

  const row = insn.op;
  const attrs = row.attrs;
  insn.opSize = operandSize(insn, attrs);
  insn.addrSize = addressSize(codeSize, insn.addrSizePrefix);
  if (insn.hasModrm) {
    if (attrs & ATTR.MOD3) insn.mod = 3;
    else if (insn.mod !== 3) {
      p = scanAddress(buf, p, stop, insn);
      if (p === END) return ranOut(pos, end);
    }
  } else if (row.operands.charCodeAt(0) === 0x5a /* 'Z': register in opcode bits 2:0 */) {
    insn.rm = (insn.opcode & 7) | ((insn.rex & 1) << 3);
  }
  if (row.imm !== IMM.NONE) {
    p = scanImmediate(buf, p, stop, insn, row.imm);
    if (p === END) return ranOut(pos, end);
  }
  if (insn.map === '3dnow') insn.opcode = insn.imm as number;
  insn.length = p - pos;

  const reason = checkValid(insn, attrs, codeSize, legacyBeforeVex);
  return reason === null ? insn : decodeError(reason, insn.length);
}

/** Encodings whose length is known but which raise #UD. */
function checkValid(
  insn: Insn,
  attrs: number,
  codeSize: CodeSize,
  legacyBeforeVex: boolean,
): DecodeReason | null {
  if (attrs & ATTR.INVALID) return 'invalid';
  if (attrs & ATTR.MEM_ONLY && insn.mod === 3) return 'invalid';
  if (codeSize === 64 ? attrs & ATTR.I64 : attrs & ATTR.O64) return 'invalid-in-mode';
  if (insn.vexMap !== 0 && legacyBeforeVex) return 'invalid';
  if (insn.lock) {
    // AMD: LOCK MOV CR0 is MOV CR8 (APM Vol. 3 "MOV CRn", CR8 access in legacy mode).
    if (insn.map === '0f' && (insn.opcode === 0x20 || insn.opcode === 0x22)) {
      insn.reg |= 8;
      return null;
    }
    if (!(attrs & ATTR.LOCK) || insn.mod === 3) return 'lock';
  }
  return null;
}
