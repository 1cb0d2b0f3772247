/** Numbers as users write them in the REPL and in YAML: 4096, 0x1000, 0b1, or a YAML integer. */

export function parseInteger(value: unknown): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : null;
  if (typeof value !== 'string' || !/^(0x[0-9a-f_]+|0b[01_]+|[0-9_]+)$/i.test(value.trim())) return null;
  return BigInt(value.trim().replaceAll('_', ''));
}

/** An integer within [0, max] as a number, or null. */
export function parseBounded(value: unknown, max: number): number | null {
  const n = parseInteger(value);
  return n === null || n < 0n || n > BigInt(max) ? null : Number(n);
}
