import { pad } from '../numbers.ts';
import { addressLabel } from './examine.ts';

/** Classic hex dump lines: `0x00001000  de ad be ef ...  ....`, `perLine` bytes each. */
export function hexdumpLines(bytes: Uint8Array, address: bigint, perLine = 16): string[] {
  const lines: string[] = [];
  for (let k = 0; k < bytes.length; k += perLine) {
    const chunk = bytes.subarray(k, k + perLine);
    const hexes = Array.from(chunk, (b) => pad(b, 2)).join(' ');
    const text = Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${addressLabel(address + BigInt(k))}  ${hexes.padEnd(perLine * 3 - 1)}  ${text}`);
  }
  return lines;
}

/** How many bytes per line fit in `width` columns (a power of two from 4 to 16). */
export function bytesPerLine(width: number): number {
  for (const n of [16, 8, 4]) if (12 + n * 4 + 1 <= width) return n;
  return 4;
}
