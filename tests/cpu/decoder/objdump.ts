/**
 * GNU objdump as the outside oracle for instruction lengths: disassemble with raw bytes (`-w`), parse
 * one record per instruction, rebuild the byte stream from the records and decode it again here.
 */
import { spawnSync } from 'node:child_process';
import { decode } from '../../../core/cpu/decoder/index.ts';
import type { CodeSize } from '../../../core/cpu/insn.ts';

export interface ObjdumpInsn {
  /** Offset from the first record. */
  offset: number;
  length: number;
  /** objdump's text (Intel syntax), e.g. `mov    DWORD PTR [rax+0x10],ecx`. */
  text: string;
}

const LINE = /^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t?(.*)$/;

/** Runs objdump and returns its instructions plus the bytes they cover. */
export function objdump(args: readonly string[]): { insns: ObjdumpInsn[]; bytes: Uint8Array } {
  const r = spawnSync('objdump', ['-w', '-z', '-M', 'intel', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`objdump ${args.join(' ')} failed: ${r.stderr}`);
  const insns: ObjdumpInsn[] = [];
  const chunks: number[] = [];
  let base = -1;
  for (const line of r.stdout.split('\n')) {
    const m = LINE.exec(line);
    if (m === null) continue;
    const addr = Number.parseInt(m[1]!, 16);
    if (base < 0) base = addr;
    const hex = m[2]!.trim().split(' ');
    if (addr - base !== chunks.length) throw new Error(`objdump output not contiguous at ${m[1]}`);
    for (const h of hex) chunks.push(Number.parseInt(h, 16));
    insns.push({ offset: addr - base, length: hex.length, text: (m[3] ?? '').trim() });
  }
  return { insns, bytes: Uint8Array.from(chunks) };
}

export interface LengthMismatch {
  offset: number;
  hex: string;
  objdump: string;
  objdumpLength: number;
  ours: number | string;
}

const PREFIX_NAMES =
  /^((rex(\.[WRXB]+)?|data16|data32|addr16|addr32|[c-gs]s|lock|repz?|repnz|bnd|notrack|xacquire|xrelease)\s*)+$/;

/**
 * Records where objdump gave up and there is no instruction length to compare:
 * - `(bad)`: objdump does not know the encoding;
 * - `.byte 0x..`: bytes it could not place in an instruction;
 * - a run of prefix names alone (`gs rex.WR`, `addr32 lock rex.WRB`): objdump prints prefixes that a
 *   later REX makes meaningless as a record of their own and restarts after them, while the processor
 *   ignores them as part of the next instruction (SDM Vol. 2 2.2.1: a REX not immediately before the
 *   opcode is ignored).
 */
export function objdumpGaveUp(text: string): boolean {
  return text.includes('(bad)') || text.startsWith('.byte') || PREFIX_NAMES.test(text);
}

function ourLength(bytes: Uint8Array, offset: number, mode: CodeSize): number | string {
  const r = decode(bytes, offset, bytes.length, mode);
  if ('kind' in r) return r.reason === 'lock' || r.reason === 'invalid' ? r.length : r.reason;
  return r.length;
}

/**
 * Our length for one objdump record. objdump prints FWAIT (9B) and the x87 instruction after it as one
 * record (`fstcw` = `fwait; fnstcw`, the SDM's assembler aliases); the processor executes two
 * instructions, so the record's length is FWAIT's plus the next instruction's.
 */
function lengthAt(bytes: Uint8Array, offset: number, objdumpLength: number, mode: CodeSize): number | string {
  const own = ourLength(bytes, offset, mode);
  if (bytes[offset] === 0x9b && own === 1 && objdumpLength > 1) {
    const next = ourLength(bytes, offset + 1, mode);
    return typeof next === 'number' ? 1 + next : next;
  }
  return own;
}

/** Decodes at every offset objdump decoded and returns where the lengths differ. */
export function compareLengths(
  insns: readonly ObjdumpInsn[],
  bytes: Uint8Array,
  mode: CodeSize,
): {
  compared: number;
  skipped: number;
  mismatches: LengthMismatch[];
} {
  let compared = 0;
  let skipped = 0;
  const mismatches: LengthMismatch[] = [];
  for (const i of insns) {
    if (objdumpGaveUp(i.text)) {
      skipped++;
      continue;
    }
    compared++;
    const ours = lengthAt(bytes, i.offset, i.length, mode);
    if (ours !== i.length) {
      const hex = Array.from(bytes.subarray(i.offset, i.offset + Math.max(i.length, 15)), (b) =>
        b.toString(16).padStart(2, '0'),
      ).join(' ');
      mismatches.push({ offset: i.offset, hex, objdump: i.text, objdumpLength: i.length, ours });
    }
  }
  return { compared, skipped, mismatches };
}
