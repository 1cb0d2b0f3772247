/**
 * Opcode byte(s) and the row they start at: the primary map, the 0F escape to 0F / 0F 38 / 0F 3A /
 * 3DNow!, and the byte values that start a VEX/EVEX/XOP prefix instead of their legacy meaning.
 * C4/C5 (LES/LDS) and 62 (BOUND) are VEX/EVEX outside 64-bit mode only when the next byte has
 * bits 7:6 = 11b, which a legacy memory operand cannot have (SDM Vol. 2 2.3.5, 2.7.1). 8F is XOP when
 * the next byte's map field (bits 4:0) is 8 or more, which POP Ev (/0) cannot have (AMD APM Vol. 4 1.2).
 */
import type { CodeSize, Insn } from '../insn.ts';
import { MAP_0F, MAP_0F3A, MAP_0F38, type OpcodeRow, PRIMARY } from '../opcodes/index.ts';
import { bad } from '../opcodes/row.ts';
import { EVEX_MAPS, VEX_MAPS, XOP_MAPS } from '../opcodes/vex.ts';
import { END } from './errors.ts';
import { scanEvex, scanVex2, scanVex3 } from './vex.ts';

const PRIMARY_ROWS = PRIMARY as readonly OpcodeRow[];
const ROWS_0F = MAP_0F as readonly OpcodeRow[];
const ROWS_0F38 = MAP_0F38 as readonly OpcodeRow[];
const ROWS_0F3A = MAP_0F3A as readonly OpcodeRow[];
const NO_MAP: OpcodeRow = bad(true);

/** Reads the opcode at `p`, sets insn.map/opcode/op (possibly a selecting row); returns the next position. */
export function scanOpcode(buf: Uint8Array, p: number, stop: number, insn: Insn, codeSize: CodeSize): number {
  if (p >= stop) return END;
  const b = buf[p]!;
  if (b === 0x0f) return scanEscape(buf, p + 1, stop, insn);
  if (b === 0xc4 || b === 0xc5 || b === 0x62 || b === 0x8f) {
    if (p + 1 >= stop) {
      // The prefix question needs the next byte; a lone byte at the end is truncated either way.
      return END;
    }
    const next = buf[p + 1]!;
    if (b === 0x8f ? (next & 0x1f) >= 8 : codeSize === 64 || next >= 0xc0)
      return scanVexFamily(buf, p, stop, insn, b);
  }
  insn.map = 'primary';
  insn.opcode = b;
  insn.op = PRIMARY_ROWS[b]!;
  return p + 1;
}

function scanEscape(buf: Uint8Array, p: number, stop: number, insn: Insn): number {
  if (p >= stop) return END;
  const b = buf[p]!;
  if (b === 0x38 || b === 0x3a) {
    if (p + 1 >= stop) return END;
    insn.map = b === 0x38 ? '0f38' : '0f3a';
    insn.opcode = buf[p + 1]!;
    insn.op = (b === 0x38 ? ROWS_0F38 : ROWS_0F3A)[insn.opcode]!;
    return p + 2;
  }
  // 0F 0F is 3DNow!: the real opcode is the byte after ModRM/SIB/disp (decode.ts moves it to insn.opcode).
  insn.map = b === 0x0f ? '3dnow' : '0f';
  insn.opcode = b;
  insn.op = ROWS_0F[b]!;
  return p + 1;
}

function scanVexFamily(buf: Uint8Array, p: number, stop: number, insn: Insn, b: number): number {
  let q: number;
  let maps: Readonly<Record<number, readonly OpcodeRow[]>>;
  if (b === 0xc4) {
    q = scanVex3(buf, p, stop, insn);
    insn.map = 'vex';
    maps = VEX_MAPS;
  } else if (b === 0xc5) {
    q = scanVex2(buf, p, stop, insn);
    insn.map = 'vex';
    maps = VEX_MAPS;
  } else if (b === 0x62) {
    q = scanEvex(buf, p, stop, insn);
    insn.map = 'evex';
    maps = EVEX_MAPS;
  } else {
    q = scanVex3(buf, p, stop, insn);
    insn.map = 'xop';
    maps = XOP_MAPS;
  }
  if (q === END || q >= stop) return END;
  insn.opcode = buf[q]!;
  insn.op = maps[insn.vexMap]?.[insn.opcode] ?? NO_MAP;
  return q + 1;
}
