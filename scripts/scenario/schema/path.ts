/** Where a value sits in a scenario document: keys and list indexes from the root. */
export type Path = readonly (string | number)[];

/** `steps[3].load.gpa`: the form messages use. */
export function formatPath(path: Path): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s === '' ? 'the document' : s;
}

/**
 * A value that does not fit the schema. `at: 'key'` points the message at the key itself (an unknown
 * key), `'value'` at the value under the path.
 */
export class SchemaError extends Error {
  override name = 'SchemaError';
  constructor(
    readonly path: Path,
    message: string,
    readonly at: 'key' | 'value' = 'value',
  ) {
    super(message);
  }
}

/** A short description of what was found, for "got ...; expected ..." messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (typeof v === 'string')
    return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  // Integers as written in decimal, with the hex beside big ones (addresses are read in hex, a value
  // typed as 70000 must still be recognisable).
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) {
    const n = BigInt(v);
    const magnitude = n < 0n ? -n : n;
    return magnitude > 0xffffn ? `${n} (${n < 0n ? '-' : ''}0x${magnitude.toString(16)})` : `${n}`;
  }
  if (typeof v === 'number') return `${v}`;
  if (typeof v === 'boolean') return `${v}`;
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  return 'a mapping';
}

/** Edit distance, for "did you mean" hints on misspelt keys and names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** ` (did you mean 'vcpus'?)` when one candidate is close, else ''. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  let best: string | null = null;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best === null ? '' : ` (did you mean '${best}'?)`;
}

/** `a, b or c`; long lists are cut after `max` names. */
export function listOf(names: readonly string[], max = 12): string {
  const shown = names.length > max ? [...names.slice(0, max), '...'] : names;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
}
