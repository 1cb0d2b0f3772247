/**
 * Intel-syntax disassembly of a decoded instruction, from the same table row the interpreter runs
 * (jsbeeb's one table): `mov dword ptr [rax+0x10], ecx`. Rows decoded only for their length say so
 * plainly: their mnemonic and `(operands not decoded)` when their operands are vector registers this
 * module does not name, and `(VEX map 2 opcode 0xff: not decoded)` when the table has no mnemonic
 * (XOP, and VEX/EVEX opcodes the SDM does not name).
 */
import type { Insn } from './insn.ts';
import { ATTR, MAP_0F, MAP_0F3A, MAP_0F38, type OpcodeRow, SELECT } from './opcodes/index.ts';
import { VEX_ONLY_MNEMONICS } from './opcodes/vex.ts';

const GPR: Record<number, readonly string[]> = {
  1: 'al cl dl bl spl bpl sil dil r8b r9b r10b r11b r12b r13b r14b r15b'.split(' '),
  2: 'ax cx dx bx sp bp si di r8w r9w r10w r11w r12w r13w r14w r15w'.split(' '),
  4: 'eax ecx edx ebx esp ebp esi edi r8d r9d r10d r11d r12d r13d r14d r15d'.split(' '),
  8: 'rax rcx rdx rbx rsp rbp rsi rdi r8 r9 r10 r11 r12 r13 r14 r15'.split(' '),
};
/** Byte registers 4-7 without any REX prefix (SDM Vol. 2 3.7.2.1 / table 3-1). */
const LEGACY_BYTE = ['ah', 'ch', 'dh', 'bh'] as const;
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', '?', '?'] as const;
const PTR: Record<number, string> = {
  1: 'byte',
  2: 'word',
  4: 'dword',
  6: 'fword',
  8: 'qword',
  10: 'tbyte',
  16: 'xmmword',
};

function gpr(insn: Insn, n: number, size: number): string {
  if (size === 1 && insn.rex === 0 && n >= 4 && n < 8) return LEGACY_BYTE[n - 4]!;
  return GPR[size]?.[n] ?? `r${n}?`;
}

/** Bytes of an SDM operand type (A.2.2) at this operand size; 0 when the type names no size. */
function typeSize(type: string, insn: Insn): number {
  switch (type) {
    case 'b':
      return 1;
    case 'w':
      return 2;
    case 'd':
      return 4;
    case 'q':
      return 8;
    case 't':
      return 10;
    case 'v':
      return insn.opSize;
    case 'z':
      return insn.opSize === 8 ? 4 : insn.opSize;
    case 'y':
      return insn.opSize === 8 ? 8 : 4;
    case 'p':
      return insn.opSize + 2;
    default:
      return 0;
  }
}

function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

/** An unsigned value of `size` bytes from a sign- or zero-extended immediate. */
function unsigned(v: number | bigint, size: number): bigint {
  return BigInt.asUintN(size * 8, BigInt(v));
}

function memory(insn: Insn, size: number): string {
  const seg = insn.segOverride === -1 ? '' : `${SREG[insn.segOverride]}:`;
  const a = insn.addrSize;
  const parts: string[] = [];
  if (insn.ripRelative) parts.push(a === 8 ? 'rip' : 'eip');
  else if (insn.base >= 0) parts.push(GPR[a]![insn.base]!);
  if (insn.index >= 0)
    parts.push(insn.scale === 1 ? GPR[a]![insn.index]! : `${GPR[a]![insn.index]!}*${insn.scale}`);
  let inner = parts.join('+');
  if (parts.length === 0) inner = hex(unsigned(insn.disp, a));
  else if (insn.disp > 0) inner += `+${hex(insn.disp)}`;
  else if (insn.disp < 0) inner += `-${hex(-insn.disp)}`;
  const ptr = PTR[size];
  return `${ptr === undefined ? '' : `${ptr} ptr `}${seg}[${inner}]`;
}

/**
 * Operand tokens this module can render; any other (vector registers) makes the text
 * `mnemonic (operands not decoded)`.
 */
const NAMED_METHODS = 'AEGIJMORSCDZT';
const FIXED: Record<string, (insn: Insn) => string> = {
  AL: () => 'al',
  CL: () => 'cl',
  DX: () => 'dx',
  AX: () => 'ax',
  eAX: (i) => (i.opSize === 2 ? 'ax' : 'eax'),
  rAX: (i) => gpr(i, 0, i.opSize),
  ES: () => 'es',
  CS: () => 'cs',
  SS: () => 'ss',
  DS: () => 'ds',
  FS: () => 'fs',
  GS: () => 'gs',
  ST: () => 'st',
  '1': () => '1',
};

function operand(token: string, insn: Insn, ripAfter: number | bigint | undefined): string | null {
  const fixed = FIXED[token];
  if (fixed !== undefined) return fixed(insn);
  const method = token[0] ?? '';
  const type = token.slice(1);
  if (!NAMED_METHODS.includes(method)) return null;
  const size = typeSize(type, insn);
  switch (method) {
    case 'E':
    case 'R':
      return insn.mod === 3 ? gpr(insn, insn.rm, size) : memory(insn, size);
    case 'M':
      return memory(insn, size);
    case 'G':
      return gpr(insn, insn.reg, size);
    case 'Z':
      return gpr(insn, insn.rm, size);
    case 'S':
      return SREG[insn.reg & 7]!;
    case 'C':
      return `cr${insn.reg}`;
    case 'D':
      return `dr${insn.reg}`;
    case 'T':
      return `st(${insn.rm & 7})`;
    case 'O':
      return `${PTR[size] ?? ''} ptr ${insn.segOverride === -1 ? '' : `${SREG[insn.segOverride]}:`}[${hex(insn.imm)}]`;
    case 'A':
      return `${hex(insn.imm2)}:${hex(insn.imm)}`;
    case 'J': {
      if (ripAfter === undefined) return `$+${hex(insn.length + Number(insn.imm))}`;
      return hex(
        unsigned(BigInt(ripAfter) + BigInt(insn.imm), insn.opSize === 2 ? 2 : insn.codeSize === 64 ? 8 : 4),
      );
    }
  }
  return null;
}

/** Immediates in operand order: the first I operand is imm, a second is imm2. */
function immediates(tokens: readonly string[], insn: Insn): (string | null)[] {
  let n = 0;
  return tokens.map((t) => {
    if (t[0] !== 'I' || t.length !== 2) return null;
    const value = n++ === 0 ? insn.imm : insn.imm2;
    // Sign-extended immediates (Iz, the imm8 of 83/6B/6A) print at the operand size, as objdump does.
    const size =
      t === 'Ib'
        ? insn.op.attrs & ATTR.SX
          ? insn.opSize
          : 1
        : t === 'Iw'
          ? 2
          : t === 'Id'
            ? 4
            : insn.opSize;
    return hex(unsigned(value, size));
  });
}

/** The mnemonic of a VEX/EVEX/XOP row: the legacy row of the same map and prefix, with a 'v'. */
/** What a length-only row prints after its mnemonic. */
const NOT_DECODED = '(operands not decoded)';

function vexMnemonic(insn: Insn): string | null {
  if (insn.map !== 'vex' && insn.map !== 'evex') return null;
  const legacy =
    insn.vexMap === 1 ? MAP_0F : insn.vexMap === 2 ? MAP_0F38 : insn.vexMap === 3 ? MAP_0F3A : null;
  let row = (legacy as readonly OpcodeRow[] | null)?.[insn.opcode] ?? null;
  while (row !== null && row.select !== SELECT.LEAF) {
    const i =
      row.select === SELECT.PREFIX
        ? insn.vexPp
        : row.select === SELECT.REG
          ? insn.reg & 7
          : row.select === SELECT.RM
            ? insn.rm & 7
            : row.select === SELECT.MOD
              ? Number(insn.mod === 3)
              : 1;
    row = row.sub[i] ?? null;
  }
  if (row === null || row.attrs & ATTR.INVALID) return VEX_ONLY_MNEMONICS[insn.vexMap]?.[insn.opcode] ?? null;
  return `v${row.mnemonics[1]}`;
}

function mnemonicOf(insn: Insn): string {
  const m = insn.op.mnemonics;
  // The one named VEX row (0F 77) spells its two forms by VEX.L: VZEROUPPER (L=0), VZEROALL (L=1).
  if (insn.map === 'vex') return insn.vexL === 0 ? m[0] : m[1];
  return insn.opSize === 2 ? m[0] : insn.opSize === 8 ? m[2] : m[1];
}

/** True for string instructions (an Xb/Xv/Yb/Yv... operand), the rows where F2/F3 mean repeat. */
function isString(row: OpcodeRow): boolean {
  return row.operands.split(',').some((t) => (t[0] === 'X' || t[0] === 'Y') && t.length === 2);
}

/**
 * Intel-syntax text of `insn`. `ripAfter` (the address of the next instruction) turns relative
 * branch offsets into targets; without it they print as `$+n` from the instruction's start.
 */
export function disasm(insn: Insn, ripAfter?: number | bigint): string {
  const row = insn.op;
  if (row.mnemonic.startsWith('(')) {
    const v = vexMnemonic(insn);
    if (v !== null) return `${v} ${NOT_DECODED}`;
    const hex = insn.opcode.toString(16).padStart(2, '0');
    return `(${insn.map.toUpperCase()} map ${insn.vexMap} opcode 0x${hex}: not decoded)`;
  }
  const mnemonic = mnemonicOf(insn);
  const prefix = `${insn.lock ? 'lock ' : ''}${isString(row) && insn.rep !== 0 ? (insn.rep === 0xf3 ? 'rep ' : 'repne ') : ''}`;
  if (isString(row) || row.operands === '' || row.operands === 'Fv') return `${prefix}${mnemonic}`;
  const tokens = row.operands.split(',');
  const imms = immediates(tokens, insn);
  const texts: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = imms[i] ?? operand(tokens[i]!, insn, ripAfter);
    if (t === null) return `${prefix}${mnemonic} ${NOT_DECODED}`;
    texts.push(t);
  }
  return `${prefix}${mnemonic} ${texts.join(', ')}`;
}
