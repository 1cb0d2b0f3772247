/**
 * Legacy prefixes and REX (Intel SDM Vol. 2 2.1.1 and 2.2.1; AMD APM Vol. 3 1.2). A REX byte counts
 * only when it immediately precedes the opcode: a legacy prefix after it cancels it (SDM 2.2.1
 * "REX prefixes ... must immediately precede the opcode byte or the escape opcode byte ... other
 * placements are ignored"). In 64-bit mode ES/CS/SS/DS overrides are ignored (SDM 3.3.7.1).
 */
import type { CodeSize, Insn, SegIndex } from '../insn.ts';
import { END } from './errors.ts';

const NONE = 0;
const SEGMENT = 1;
const OPSIZE = 2;
const ADDRSIZE = 3;
const LOCK = 4;
const REP = 5;
const REX = 6;

/** Prefix kind by byte (REX only in 64-bit mode, checked by the scanner). */
const KIND = new Uint8Array(256);
for (const b of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]) KIND[b] = SEGMENT;
KIND[0x66] = OPSIZE;
KIND[0x67] = ADDRSIZE;
KIND[0xf0] = LOCK;
KIND[0xf2] = REP;
KIND[0xf3] = REP;
for (let b = 0x40; b <= 0x4f; b++) KIND[b] = REX;

/** Segment register named by an override prefix byte. */
const SEGMENT_OF: Record<number, SegIndex> = { 38: 0, 46: 1, 54: 2, 62: 3, 100: 4, 101: 5 };

/** Scans prefixes from `p`; returns the position of the first opcode byte, or END. */
export function scanPrefixes(
  buf: Uint8Array,
  p: number,
  stop: number,
  insn: Insn,
  codeSize: CodeSize,
): number {
  for (;;) {
    if (p >= stop) return END;
    const b = buf[p]!;
    const kind = KIND[b]!;
    if (kind === NONE || (kind === REX && codeSize !== 64)) return p;
    p++;
    if (kind === REX) {
      insn.rex = b;
      continue;
    }
    insn.rex = 0;
    switch (kind) {
      case SEGMENT: {
        const seg = SEGMENT_OF[b]!;
        if (codeSize !== 64 || seg >= 4) insn.segOverride = seg;
        break;
      }
      case OPSIZE:
        insn.opSizePrefix = true;
        break;
      case ADDRSIZE:
        insn.addrSizePrefix = true;
        break;
      case LOCK:
        insn.lock = true;
        break;
      default:
        insn.rep = b as 0xf2 | 0xf3;
    }
  }
}
