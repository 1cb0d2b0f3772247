import { GHCB_FIELD_NAMES, REGISTER_NAMES } from '../../core/index.ts';
import { type ExprContext, evaluate, evaluateAddress } from './expr.ts';
import { parseNumber } from './numbers.ts';

/**
 * The argument grammar of a command row. Each kind says how a word is parsed, how it is shown in the
 * usage line and where its completions come from.
 */
export type ArgKind =
  /** A plain integer (counts, indices, lengths): no registers. */
  | 'number'
  /** An expression: numbers, $registers, u32[GPA] loads, + and -. */
  | 'value'
  /** A value or SEG:OFF. */
  | 'address'
  /** `$name` of a vCPU register. */
  | 'register'
  /** One of `choices`. */
  | 'choice'
  /** Any word. */
  | 'word'
  | 'file'
  /** Hex bytes: `90c3` or `90 c3` glued as one word. */
  | 'hex'
  /** Exactly the word `name` (`=`, `@`). */
  | 'literal'
  /** gdb's `/NFU` after x and xp. */
  | 'format'
  /** A GHCB field name (or `usage`). */
  | 'ghcb-field'
  /** Every remaining word (plugin commands, free text). */
  | 'rest';

export interface ArgSpec {
  kind: ArgKind;
  /** Shown in usage lines (`ADDR`, `N`); for a literal, the word itself. */
  name: string;
  optional?: boolean;
  choices?: readonly string[];
}

export const arg = {
  number: (name: string): ArgSpec => ({ kind: 'number', name }),
  value: (name: string): ArgSpec => ({ kind: 'value', name }),
  address: (name: string): ArgSpec => ({ kind: 'address', name }),
  register: (name = '$REG'): ArgSpec => ({ kind: 'register', name }),
  choice: (name: string, choices: readonly string[]): ArgSpec => ({ kind: 'choice', name, choices }),
  word: (name: string): ArgSpec => ({ kind: 'word', name }),
  file: (name = 'FILE'): ArgSpec => ({ kind: 'file', name }),
  hex: (name = 'HEX'): ArgSpec => ({ kind: 'hex', name }),
  lit: (word: string): ArgSpec => ({ kind: 'literal', name: word }),
  format: (): ArgSpec => ({ kind: 'format', name: '/NFU', optional: true }),
  ghcbField: (): ArgSpec => ({ kind: 'ghcb-field', name: 'FIELD' }),
  rest: (name: string): ArgSpec => ({ kind: 'rest', name, optional: true }),
  opt: (spec: ArgSpec): ArgSpec => ({ ...spec, optional: true }),
};

export const GHCB_EDITABLE: readonly string[] = [...GHCB_FIELD_NAMES, 'usage'];

/** Parsed arguments by spec name. */
export class Args {
  constructor(private readonly values: ReadonlyMap<string, unknown>) {}
  has(name: string): boolean {
    return this.values.has(name);
  }
  bigint(name: string, fallback?: bigint): bigint {
    return (this.values.get(name) as bigint | undefined) ?? this.need(name, fallback);
  }
  int(name: string, fallback?: number): number {
    const v = this.values.get(name) as bigint | undefined;
    return v === undefined ? this.need(name, fallback) : Number(v);
  }
  text(name: string, fallback?: string): string {
    return (this.values.get(name) as string | undefined) ?? this.need(name, fallback);
  }
  bytes(name: string): Uint8Array {
    return this.values.get(name) as Uint8Array;
  }
  words(name: string): string[] {
    return (this.values.get(name) as string[] | undefined) ?? [];
  }
  private need<T>(name: string, fallback: T | undefined): T {
    if (fallback === undefined) throw new Error(`argument ${name} was not parsed`);
    return fallback;
  }
}

/** The usage line of a row: `set u32 ADDR = VALUE`, `x/NFU ADDR`, `step [N]`. */
export function usageOf(name: string, specs: readonly ArgSpec[]): string {
  let out = name;
  for (const s of specs) {
    const shown = s.kind === 'choice' && s.choices ? s.choices.join('|') : s.name;
    if (s.kind === 'format') out += `[${shown}]`;
    else out += s.optional ? ` [${shown}]` : ` ${shown}`;
  }
  return out;
}

/** Parses `words` against `specs`; a mistake throws a sentence naming the argument. */
export function parseArgs(specs: readonly ArgSpec[], words: readonly string[], ctx: ExprContext): Args {
  const values = new Map<string, unknown>();
  let i = 0;
  for (const spec of specs) {
    const w = words[i];
    if (spec.kind === 'rest') {
      values.set(spec.name, words.slice(i));
      i = words.length;
      continue;
    }
    if (spec.kind === 'format') {
      if (w?.startsWith('/')) {
        values.set(spec.name, w);
        i++;
      }
      continue;
    }
    if (spec.kind === 'hex' && w !== undefined) {
      // Hex bytes may be split into words (`90 c3`), up to the literal that follows (`@`).
      const stop = specs[specs.indexOf(spec) + 1];
      let j = i;
      while (j < words.length && !(stop?.kind === 'literal' && words[j] === stop.name)) j++;
      // `wx ab 0x1000`: without the literal the address would be read as more bytes.
      if (stop?.kind === 'literal' && j === words.length && j - i > 1)
        throw new Error(`missing '${stop.name}' between the bytes and the address`);
      values.set(spec.name, parseWord(spec, words.slice(i, j).join(''), ctx));
      i = j;
      continue;
    }
    if (w === undefined) {
      if (spec.optional) continue;
      throw new Error(`missing ${spec.name}`);
    }
    values.set(spec.name, parseWord(spec, w, ctx));
    i++;
  }
  if (i < words.length) throw new Error(`unexpected '${words.slice(i).join(' ')}'`);
  return new Args(values);
}

function parseWord(spec: ArgSpec, w: string, ctx: ExprContext): unknown {
  switch (spec.kind) {
    case 'number': {
      const n = parseNumber(w);
      if (n === null || n < 0n) throw new Error(`${spec.name} '${w}' is not a number`);
      return n;
    }
    case 'value':
      return wrap(spec, () => evaluate(w, ctx));
    case 'address':
      return wrap(spec, () => evaluateAddress(w, ctx));
    case 'register': {
      const name = w.replace(/^\$/, '').toLowerCase();
      if (!w.startsWith('$') || !REGISTER_NAMES.includes(name))
        throw new Error(`'${w}' is not a register (write $rax, $eip, $cr0, ...)`);
      return name;
    }
    case 'choice':
      if (!spec.choices?.includes(w))
        throw new Error(`${spec.name} '${w}' is not one of ${spec.choices?.join(', ')}`);
      return w;
    case 'literal':
      if (w !== spec.name) throw new Error(`expected '${spec.name}' where '${w}' is`);
      return w;
    case 'hex': {
      const h = w.replace(/^0x/i, '');
      if (!/^([0-9a-f]{2})+$/i.test(h))
        throw new Error(`'${w}' is not hex bytes (two digits per byte, e.g. 90c3)`);
      return Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
    }
    case 'ghcb-field':
      if (!GHCB_EDITABLE.includes(w))
        throw new Error(`'${w}' is not a GHCB field (${GHCB_EDITABLE.join(' ')})`);
      return w;
    default:
      return w;
  }
}

function wrap(spec: ArgSpec, f: () => bigint): bigint {
  try {
    return f();
  } catch (e) {
    throw new Error(`${spec.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
