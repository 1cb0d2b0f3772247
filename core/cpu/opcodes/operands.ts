/**
 * What a row's SDM operand notation says about decoding (Intel SDM Vol. 2 A.2.1 addressing methods,
 * A.2.2 operand types): ModRM present, memory-only, immediate kind, byte form. Run once per row when
 * the table is built.
 */
import { ATTR, IMM, type ImmKind } from './attributes.ts';

/** Addressing methods that imply a ModRM byte (SDM A.2.1). */
const MODRM_METHODS = 'CDEGMNPQRSUVWT';

export interface Derived {
  modrm: boolean;
  memOnly: boolean;
  imm: ImmKind;
  byteForm: boolean;
}

/** Addressing method and operand type of one operand token, or null for a fixed register / constant. */
function splitOperand(t: string): { method: string; type: string } | null {
  const m = t[0] ?? '';
  const second = t[1] ?? '';
  if (m >= 'A' && m <= 'Z' && (second === '' || (second >= 'a' && second <= 'z'))) {
    return { method: m, type: t.slice(1) };
  }
  return null;
}

const BYTE_REGS = new Set(['AL', 'CL', 'DL', 'BL', 'AH', 'CH', 'DH', 'BH']);

/** What the operands say about decoding (SDM A.2.1 addressing methods, A.2.2 operand types). */
export function derive(operands: string, attrs: number): Derived {
  let modrm = false;
  let memOnly = false;
  const imms: string[] = [];
  let sized = 0;
  let bytes = 0;
  for (const t of operands === '' ? [] : operands.split(',')) {
    const op = splitOperand(t);
    if (op === null) {
      // Fixed registers: byte registers make a byte form; DX as an I/O port and '1' say nothing.
      if (BYTE_REGS.has(t)) {
        sized++;
        bytes++;
      } else if (t !== 'DX' && t !== '1' && t !== 'CL') sized++;
      continue;
    }
    if (MODRM_METHODS.includes(op.method)) modrm = true;
    if (op.method === 'M') memOnly = true;
    if ('IJAOL'.includes(op.method)) {
      imms.push(op.method + op.type);
      if (op.method !== 'O') continue;
    }
    if (op.type === '' || op.method === 'F') continue;
    sized++;
    if (op.type === 'b') bytes++;
  }
  return { modrm, memOnly, imm: immKind(imms, attrs), byteForm: sized > 0 && bytes === sized };
}

function immKind(imms: readonly string[], attrs: number): ImmKind {
  const key = imms.join(',');
  switch (key) {
    case '':
      return IMM.NONE;
    case 'Ib':
    case 'Lx':
      return attrs & ATTR.SX ? IMM.IBS : IMM.IB;
    case 'Jb':
      return IMM.IBS;
    case 'Iw':
      return IMM.IW;
    case 'Iz':
    case 'Jz':
      return IMM.IZ;
    case 'Iv':
      return IMM.IV;
    case 'Id':
      return IMM.ID;
    case 'Iw,Ib':
      return IMM.IWIB;
    case 'Ib,Ib':
      return IMM.IBIB;
    case 'Ap':
      return IMM.AP;
    case 'Ob':
    case 'Ov':
      return IMM.MOFFS;
  }
  throw new Error(`opcode table: no immediate kind for operands '${key}'; add it to immKind`);
}

export function mnemonicsOf(mnemonic: string): [string, string, string] {
  const parts = mnemonic.split('|');
  if (parts.length === 1) return [mnemonic, mnemonic, mnemonic];
  return [parts[0] ?? mnemonic, parts[1] ?? mnemonic, parts[2] ?? parts[1] ?? mnemonic];
}
