/**
 * The schema-builder: one definition per scenario section yields both the validator (with the exact
 * path of a bad value, for file:line:column messages) and the JSON Schema fragment that
 * scripts/gen-schema.ts writes to scenarios/schema.json. Keys are kebab-case in YAML and camelCase in
 * the parsed value.
 */
import { NUMBER_PATTERN, toBigInt } from './numbers.ts';
import { describeValue, didYouMean, listOf, type Path, SchemaError } from './path.ts';

export type JsonSchema = { [key: string]: unknown };

/** What a schema may check beyond shape: the machine a value must fit and the scenario's folder. */
export interface ParseContext {
  /** Bytes of guest memory (addresses must fall inside). */
  memory: number;
  vcpus: number;
  /** Folder of the scenario file: relative paths resolve against it. */
  baseDir: string;
  /** Snapshot names taken by earlier steps (a restore must name one). */
  snapshots: Set<string>;
}

export interface Schema<T> {
  /** What a good value looks like, for "got ...; expected ..." messages. */
  readonly expected: string;
  json(): JsonSchema;
  parse(v: unknown, path: Path, ctx: ParseContext): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type Camel<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<Camel<B>>}` : S;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
// biome-ignore lint/suspicious/noExplicitAny: a shape holds schemas of any output type
type Shape = Record<string, Schema<any>>;
export type ObjOut<R extends Shape, O extends Shape> = Simplify<
  { [K in keyof R & string as Camel<K>]: Infer<R[K]> } & {
    [K in keyof O & string as Camel<K>]?: Infer<O[K]>;
  }
>;

export const camel = (k: string): string => k.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const fail = (path: Path, v: unknown, expected: string, hint = ''): never => {
  throw new SchemaError(path, `got ${describeValue(v)}${hint}; expected ${expected}`);
};

export const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

let definitions: Map<string, JsonSchema> | null = null;

/**
 * A schema written once into the JSON Schema's `definitions` and referenced from every use (register
 * maps and 64-bit values with constant names would otherwise repeat hundreds of times).
 */
export function defined<T>(name: string, s: Schema<T>): Schema<T> {
  return {
    ...s,
    json() {
      if (!definitions) return s.json();
      if (!definitions.has(name)) {
        definitions.set(name, {});
        definitions.set(name, s.json());
      }
      return { $ref: `#/definitions/${name}` };
    },
  };
}

/** Runs `build` collecting the `defined` schemas it meets; returns its result and the definitions. */
export function withDefinitions<T>(build: () => T): { value: T; definitions: Record<string, JsonSchema> } {
  definitions = new Map();
  try {
    const value = build();
    return {
      value,
      definitions: Object.fromEntries([...definitions].sort(([a], [b]) => a.localeCompare(b))),
    };
  } finally {
    definitions = null;
  }
}

/** Adds a description (shown by editors on hover) to a schema's JSON form. */
export function describe<T>(s: Schema<T>, description: string): Schema<T> {
  return { ...s, json: () => ({ ...s.json(), description }) };
}

/** Adds a check that needs the machine or the file system (address ranges, vCPU indexes, files). */
export function refine<T>(s: Schema<T>, check: (v: T, path: Path, ctx: ParseContext) => void): Schema<T> {
  return {
    ...s,
    parse(v, path, ctx) {
      const out = s.parse(v, path, ctx);
      check(out, path, ctx);
      return out;
    },
  };
}

export function str(expected = 'a string'): Schema<string> {
  return {
    expected,
    json: () => ({ type: 'string' }),
    parse: (v, path) => (typeof v === 'string' ? v : fail(path, v, expected)),
  };
}

export function bool(): Schema<boolean> {
  return {
    expected: 'true or false',
    json: () => ({ type: 'boolean' }),
    parse: (v, path) => (typeof v === 'boolean' ? v : fail(path, v, 'true or false')),
  };
}

export function oneOf<const V extends string>(values: readonly V[], what = 'one of'): Schema<V> {
  const expected = `${what} ${listOf(values, 20)}`;
  return {
    expected,
    json: () => ({ enum: [...values] }),
    parse(v, path) {
      if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as V;
      return fail(path, v, expected, typeof v === 'string' ? didYouMean(v, values) : '');
    },
  };
}

function intJson(min: bigint, max: bigint, names: readonly string[]): JsonSchema {
  const asJson = (n: bigint) => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined);
  const numeric: JsonSchema = { type: 'integer', minimum: asJson(min) };
  if (asJson(max) !== undefined) numeric.maximum = asJson(max);
  const alts: JsonSchema[] = [numeric, { type: 'string', pattern: NUMBER_PATTERN }];
  if (names.length) alts.push({ enum: [...names] });
  return { anyOf: alts };
}

const shown = (n: bigint) => (n > 0xffffn ? `0x${n.toString(16)}` : `${n}`);

function wholeNumber(
  min: bigint,
  max: bigint,
  names: Readonly<Record<string, bigint>>,
  expectedText?: string,
): Schema<bigint> {
  const nameList = Object.keys(names);
  const expected =
    expectedText ??
    `a whole number from ${shown(min)} to ${shown(max)}${nameList.length ? ` or a name such as ${nameList[0]}` : ''}`;
  return {
    expected,
    json: () => intJson(min, max, nameList),
    parse(v, path) {
      if (typeof v === 'string' && Object.hasOwn(names, v)) return names[v]!;
      const n = toBigInt(v);
      if (n === null)
        return fail(
          path,
          v,
          expected,
          typeof v === 'string' && nameList.length ? didYouMean(v, nameList) : '',
        );
      if (n < min || n > max) return fail(path, v, expected);
      return n;
    },
  };
}

/** A whole number that fits a JS number (counts, sizes, addresses below 2^53). */
export function int(
  opts: { min?: number; max?: number; expected?: string; names?: Readonly<Record<string, bigint>> } = {},
): Schema<number> {
  const s = wholeNumber(
    BigInt(opts.min ?? 0),
    BigInt(opts.max ?? Number.MAX_SAFE_INTEGER),
    opts.names ?? {},
    opts.expected,
  );
  return { ...s, parse: (v, path, ctx) => Number(s.parse(v, path, ctx)) };
}

/** A 64-bit value (register, GHCB field, MSR value); `names` are constants it may be written as. */
export function u64(names: Readonly<Record<string, bigint>> = {}, expected?: string): Schema<bigint> {
  return wholeNumber(0n, (1n << 64n) - 1n, names, expected);
}

/** Bytes as hex pairs (`"90 90 f4"`, spaces optional) or a list of numbers 0..255. */
export function bytes(): Schema<Uint8Array> {
  const expected = 'bytes as hex pairs such as "90 90 f4", or a list of numbers 0 to 255';
  return {
    expected,
    json: () => ({
      anyOf: [
        // Whitespace anywhere, hex digits in pairs: what parse() accepts.
        { type: 'string', pattern: '^\\s*([0-9a-fA-F]\\s*[0-9a-fA-F]\\s*)*$' },
        { type: 'array', items: { type: 'integer', minimum: 0, maximum: 255 } },
      ],
    }),
    parse(v, path) {
      if (typeof v === 'string') {
        const hex = v.replace(/\s+/g, '');
        if (!/^([0-9a-f]{2})*$/i.test(hex)) return fail(path, v, expected);
        return Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
      }
      if (Array.isArray(v))
        return Uint8Array.from(v, (b, i) => {
          const n = toBigInt(b);
          return n === null || n < 0n || n > 255n ? fail([...path, i], b, 'a byte, 0 to 255') : Number(n);
        });
      return fail(path, v, expected);
    },
  };
}

export function arr<T>(item: Schema<T>, opts: { min?: number } = {}): Schema<T[]> {
  const expected = `a list of ${item.expected}`;
  return {
    expected,
    json: () => ({ type: 'array', items: item.json(), ...(opts.min ? { minItems: opts.min } : {}) }),
    parse(v, path, ctx) {
      if (!Array.isArray(v)) return fail(path, v, expected);
      if (v.length < (opts.min ?? 0))
        throw new SchemaError(path, `the list is empty; expected at least ${opts.min} entry`);
      return v.map((x, i) => item.parse(x, [...path, i], ctx));
    },
  };
}

/** The word `none` (or YAML null): "no value". */
export function none(): Schema<null> {
  return {
    expected: 'none',
    json: () => ({ anyOf: [{ type: 'null' }, { const: 'none' }] }),
    parse: (v, path) => (v === null || v === undefined || v === 'none' ? null : fail(path, v, 'none')),
  };
}

/** `null` or the word `none` stands for "no value". */
export function orNone<T>(s: Schema<T>): Schema<T | null> {
  return {
    expected: `${s.expected}, or none`,
    json: () => ({ anyOf: [s.json(), { type: 'null' }, { const: 'none' }] }),
    parse: (v, path, ctx) => (v === null || v === 'none' ? null : s.parse(v, path, ctx)),
  };
}

type TypeKey = 'string' | 'number' | 'boolean' | 'mapping' | 'list' | 'null';
const typeKey = (v: unknown): TypeKey =>
  v === null || v === undefined
    ? 'null'
    : typeof v === 'string'
      ? 'string'
      : typeof v === 'number' || typeof v === 'bigint'
        ? 'number'
        : typeof v === 'boolean'
          ? 'boolean'
          : Array.isArray(v)
            ? 'list'
            : 'mapping';

/** A value whose form is chosen by its YAML type: `terminated: false` or `terminated: {set, code}`. */
export function byType<T>(alts: Partial<Record<TypeKey, Schema<T>>>): Schema<T> {
  const schemas = Object.values(alts) as Schema<T>[];
  const expected = [...new Set(schemas.map((s) => s.expected))].join(', or ');
  return {
    expected,
    json: () => ({ anyOf: schemas.map((s) => s.json()) }),
    parse(v, path, ctx) {
      const s = alts[typeKey(v)];
      // A number written as a string ("256MiB") goes to the number form when there is no string form.
      const viaNumber = !s && typeof v === 'string' && toBigInt(v) !== null ? alts.number : undefined;
      const chosen = s ?? viaNumber;
      return chosen ? chosen.parse(v, path, ctx) : fail(path, v, expected);
    },
  };
}

/** A mapping with known keys; any other key is an error that names the key. */
export function obj<R extends Shape, O extends Shape = Record<never, never>>(spec: {
  required?: R;
  optional?: O;
  expected?: string;
  /** Keys that must not appear together, and sets of which exactly one must appear. */
  exclusive?: readonly (readonly string[])[];
}): Schema<ObjOut<R, O>> {
  const required = (spec.required ?? {}) as Shape;
  const optional = (spec.optional ?? {}) as Shape;
  const all: Shape = { ...required, ...optional };
  const keys = Object.keys(all);
  const expected = spec.expected ?? `a mapping with ${listOf(keys)}`;
  return {
    expected,
    json() {
      const properties: Record<string, JsonSchema> = {};
      for (const k of keys) properties[k] = all[k]!.json();
      const out: JsonSchema = { type: 'object', properties, additionalProperties: false };
      if (Object.keys(required).length) out.required = Object.keys(required);
      if (spec.exclusive?.length)
        out.oneOf = spec.exclusive.flatMap((set) => set.map((k) => ({ required: [k] })));
      return out;
    },
    parse(v, path, ctx) {
      // `run:` with nothing after it: a mapping whose keys are all optional may be left empty.
      if ((v === null || v === undefined) && Object.keys(required).length === 0 && !spec.exclusive) v = {};
      if (!isMapping(v)) return fail(path, v, expected);
      for (const k of Object.keys(v))
        if (!Object.hasOwn(all, k))
          throw new SchemaError(
            [...path, k],
            `unknown key '${k}'${didYouMean(k, keys)}; expected one of ${listOf(keys, 40)}`,
            'key',
          );
      for (const k of Object.keys(required))
        if (!Object.hasOwn(v, k))
          throw new SchemaError(path, `missing key '${k}'; expected ${required[k]!.expected}`);
      for (const set of spec.exclusive ?? []) {
        const present = set.filter((k) => Object.hasOwn(v, k));
        if (present.length !== 1)
          throw new SchemaError(
            present.length ? [...path, present[1]!] : path,
            present.length
              ? `'${present[0]}' and '${present[1]}' cannot both be given; expected exactly one of ${listOf(set)}`
              : `missing one of ${listOf(set)}; expected exactly one of them`,
            present.length ? 'key' : 'value',
          );
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) if (Object.hasOwn(v, k)) out[camel(k)] = all[k]!.parse(v[k], [...path, k], ctx);
      return out as ObjOut<R, O>;
    },
  };
}

/** Accepts anything (sections validated later in a second pass, such as steps). */
export function raw(expected: string, json: JsonSchema): Schema<unknown> {
  return { expected, json: () => json, parse: (v) => v };
}
