/**
 * Numbers as users type them in gdb and the QEMU monitor: decimal, 0x hex, 0b binary, `_` between
 * digits, an optional leading minus (two's complement at the width of the place it goes).
 */
const FORMS: ReadonlyArray<{ re: RegExp; radix: bigint; prefix: number }> = [
  { re: /^0x[0-9a-f][0-9a-f_]*$/i, radix: 16n, prefix: 2 },
  { re: /^0b[01][01_]*$/i, radix: 2n, prefix: 2 },
  { re: /^[0-9][0-9_]*$/, radix: 10n, prefix: 0 },
];

/** The value of `text`, or null when it is not a number. */
export function parseNumber(text: string): bigint | null {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const form = FORMS.find((f) => f.re.test(body));
  if (!form) return null;
  let v = 0n;
  for (const ch of body.slice(form.prefix).toLowerCase()) {
    if (ch === '_') continue;
    v = v * form.radix + BigInt(Number.parseInt(ch, Number(form.radix)));
  }
  return negative ? -v : v;
}

/** A size with an optional K/M/G/T suffix (powers of two): `256M`, `4G`, `0x1000000`. */
export function parseSize(text: string): bigint | null {
  const m = /^(.+?)([kmgt])i?b?$/i.exec(text);
  if (!m) return parseNumber(text);
  const n = parseNumber(m[1]!);
  if (n === null) return null;
  const shift = { k: 10n, m: 20n, g: 30n, t: 40n }[m[2]!.toLowerCase() as 'k' | 'm' | 'g' | 't'];
  return n << shift;
}

/**
 * `0x` hex of a value: non-negative values whole (a GHCB valid bitmap is 128 bits), negative ones as
 * their 64-bit two's complement.
 */
export const hex = (v: bigint | number): string => {
  const b = BigInt(v);
  return `0x${(b < 0n ? BigInt.asUintN(64, b) : b).toString(16)}`;
};

/** Zero-padded hex without a prefix: `pad(0x1f, 4)` is `001f`. */
export const pad = (v: bigint | number, digits: number): string =>
  BigInt.asUintN(64, BigInt(v)).toString(16).padStart(digits, '0');
