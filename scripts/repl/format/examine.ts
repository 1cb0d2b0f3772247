import { type CodeSize, decode, disasm } from '../../../core/index.ts';
import { pad } from '../numbers.ts';

/** gdb's x formats and unit sizes (gdb manual, "Examining Memory"). */
export const X_FORMATS = ['x', 'd', 'u', 'c', 'i'] as const;
export type XFormat = (typeof X_FORMATS)[number];
export const X_UNITS = { b: 1, h: 2, w: 4, g: 8 } as const;
export type XUnit = keyof typeof X_UNITS;

export interface ExamineFormat {
  count: number;
  format: XFormat;
  unit: XUnit;
}

/** Units per output line, as gdb prints them. */
const PER_LINE: Record<XUnit, number> = { b: 8, h: 8, w: 4, g: 2 };

/** `/4xw` -> 4 words in hex. Letters in any order after the count; defaults 1, x, w. */
export function parseFormat(text: string | undefined): ExamineFormat {
  const out: ExamineFormat = { count: 1, format: 'x', unit: 'w' };
  if (text === undefined) return out;
  const m = /^\/(\d*)([a-z]*)$/.exec(text);
  if (!m) throw new Error(`'${text}' is not /NFU (count, format x d u c i, unit b h w g)`);
  if (m[1]) out.count = Number(m[1]);
  for (const ch of m[2]!) {
    if ((X_FORMATS as readonly string[]).includes(ch)) out.format = ch as XFormat;
    else if (ch in X_UNITS) out.unit = ch as XUnit;
    else throw new Error(`'${ch}' in '${text}' is neither a format (x d u c i) nor a unit (b h w g)`);
  }
  if (out.count < 1 || out.count > 4096) throw new Error(`count ${out.count} is not in 1..4096`);
  if (out.format === 'c') out.unit = 'b';
  return out;
}

/** `0x00001000` for addresses below 4 GiB, 16 digits above. */
export const addressLabel = (a: bigint): string => `0x${pad(a, a > 0xffffffffn ? 16 : 8)}`;

function unitValue(bytes: Uint8Array, at: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
  return v;
}

const CHAR_ESCAPES: Record<number, string> = { 0: '\\0', 9: '\\t', 10: '\\n', 13: '\\r' };

function unitText(v: bigint, f: XFormat, size: number): string {
  switch (f) {
    case 'd':
      return BigInt.asIntN(size * 8, v).toString();
    case 'u':
      return v.toString();
    case 'c': {
      const n = Number(v);
      const ch = n >= 0x20 && n < 0x7f ? String.fromCharCode(n) : (CHAR_ESCAPES[n] ?? `\\x${pad(n, 2)}`);
      return `${n} '${ch}'`;
    }
    default:
      return `0x${pad(v, size * 2)}`;
  }
}

/** Data formats (x d u c): lines of `ADDR: value value ...`. */
export function examineLines(bytes: Uint8Array, address: bigint, fmt: ExamineFormat): string[] {
  const size = X_UNITS[fmt.unit];
  const lines: string[] = [];
  const perLine = PER_LINE[fmt.unit];
  for (let k = 0; k < fmt.count; k += perLine) {
    const items: string[] = [];
    for (let j = k; j < Math.min(fmt.count, k + perLine); j++)
      items.push(unitText(unitValue(bytes, j * size, size), fmt.format, size));
    lines.push(`${addressLabel(address + BigInt(k * size))}: ${items.join(' ')}`);
  }
  return lines;
}

/**
 * x/Ni: `ADDR: bytes  text`, decoded at `codeSize`; stops at bytes that start no instruction. `length`
 * is the bytes the shown instructions take (where a bare `x` goes on).
 */
export function disassembleLines(
  bytes: Uint8Array,
  address: bigint,
  count: number,
  codeSize: CodeSize,
): { lines: string[]; length: number } {
  const lines: string[] = [];
  let pos = 0;
  for (let n = 0; n < count && pos < bytes.length; n++) {
    const r = decode(bytes, pos, bytes.length, codeSize);
    const at = address + BigInt(pos);
    if ('kind' in r) {
      lines.push(`${addressLabel(at)}: ${pad(bytes[pos]!, 2).padEnd(24)}(bad: ${r.reason})`);
      break;
    }
    const raw = Array.from(bytes.subarray(pos, pos + r.length), (b) => pad(b, 2)).join(' ');
    lines.push(`${addressLabel(at)}: ${raw.padEnd(24)}${disasm(r, at + BigInt(r.length))}`);
    pos += r.length;
  }
  return { lines, length: pos };
}
