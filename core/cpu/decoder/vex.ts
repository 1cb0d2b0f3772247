/**
 * VEX (C4 3-byte, C5 2-byte), EVEX (62) and XOP (8F) prefixes (Intel SDM Vol. 2 2.3.5 and 2.7.1;
 * AMD APM Vol. 3 1.8 and Vol. 4). R/X/B/W arrive inverted (R, X, B) and land in `insn.rex` as the REX
 * bits they stand for (64-bit mode only: outside it they are ignored), so ModRM/SIB decoding needs no
 * second path. Whether C4/C5/62/8F start one of these at all is decided in opcode.ts.
 */
import type { Insn } from '../insn.ts';
import { END } from './errors.ts';

/** REX bits W R X B from the inverted R X B of a VEX/XOP/EVEX payload byte and a W bit. */
function rexBits(inverted: number, w: number, long: boolean): number {
  if (!long) return 0;
  return 0x40 | (w << 3) | ((~inverted >> 5) & 7);
}

/** C4 / 8F: three-byte form [R X B mmmmm] [W vvvv L pp]. `p` is at the C4/8F byte. */
export function scanVex3(buf: Uint8Array, p: number, stop: number, insn: Insn): number {
  if (p + 3 > stop) return END;
  const b1 = buf[p + 1]!;
  const b2 = buf[p + 2]!;
  insn.rex = rexBits(b1 >> 0, b2 >> 7, insn.codeSize === 64);
  insn.vexMap = b1 & 0x1f;
  insn.vvvv = (~b2 >> 3) & 15;
  insn.vexL = (b2 >> 2) & 1;
  insn.vexPp = b2 & 3;
  return p + 3;
}

/** C5: two-byte form [R vvvv L pp], map 0F. */
export function scanVex2(buf: Uint8Array, p: number, stop: number, insn: Insn): number {
  if (p + 2 > stop) return END;
  const b1 = buf[p + 1]!;
  insn.rex = insn.codeSize === 64 ? 0x40 | ((~b1 >> 5) & 4) : 0;
  insn.vexMap = 1;
  insn.vvvv = (~b1 >> 3) & 15;
  insn.vexL = (b1 >> 2) & 1;
  insn.vexPp = b1 & 3;
  return p + 2;
}

/** 62: EVEX [R X B R' 0 mmm] [W vvvv 1 pp] [z L'L b V' aaa]. */
export function scanEvex(buf: Uint8Array, p: number, stop: number, insn: Insn): number {
  if (p + 4 > stop) return END;
  const p0 = buf[p + 1]!;
  const p1 = buf[p + 2]!;
  const p2 = buf[p + 3]!;
  insn.rex = rexBits(p0, p1 >> 7, insn.codeSize === 64);
  insn.vexMap = p0 & 7;
  insn.vvvv = ((~p1 >> 3) & 15) | ((~p2 & 8) << 1);
  insn.vexL = (p2 >> 5) & 3;
  insn.vexPp = p1 & 3;
  return p + 4;
}
