/**
 * Whole numbers as scenario authors write them: decimal, 0x hex, 0b binary, with `_` separators, and
 * binary size suffixes (`64KiB`, `256MiB`, `4GiB`). YAML gives plain integers as bigint (the parser
 * runs with intAsBigInt so 64-bit GHCB values stay exact); strings carry the other forms.
 */
const SUFFIX = { '': 1n, KiB: 1n << 10n, MiB: 1n << 20n, GiB: 1n << 30n, TiB: 1n << 40n } as const;
type Suffix = keyof typeof SUFFIX;

const FORM = /^\s*(0x[0-9a-f_]+|0b[01_]+|[0-9][0-9_]*)\s*(KiB|MiB|GiB|TiB)?\s*$/i;

/** The integer a value stands for, or null when it is not a whole number in an accepted form. */
export function toBigInt(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : null;
  if (typeof v !== 'string') return null;
  const m = FORM.exec(v);
  if (!m) return null;
  const digits = m[1]!.replaceAll('_', '');
  if (digits.endsWith('x') || digits.endsWith('b') || /^0[xb]$/i.test(digits)) return null;
  const unit = (Object.keys(SUFFIX).find((k) => k.toLowerCase() === (m[2] ?? '').toLowerCase()) ??
    '') as Suffix;
  return BigInt(digits.toLowerCase()) * SUFFIX[unit];
}

/** JSON Schema pattern for the string forms (the YAML language server checks strings against it). */
export const NUMBER_PATTERN = '^\\s*(0[xX][0-9a-fA-F_]+|0[bB][01_]+|[0-9][0-9_]*)\\s*([KMGT]i[bB])?\\s*$';
