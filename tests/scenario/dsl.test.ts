import { describe, expect, test } from 'bun:test';
import { arr, byType, int, obj, oneOf, type ParseContext, u64 } from '../../scripts/scenario/schema/dsl.ts';
import { toBigInt } from '../../scripts/scenario/schema/numbers.ts';
import { describeValue, SchemaError } from '../../scripts/scenario/schema/path.ts';

const ctx: ParseContext = { memory: 0, vcpus: 0, baseDir: '.', snapshots: new Set() };
const errorOf = (f: () => unknown): SchemaError => {
  try {
    f();
  } catch (e) {
    if (e instanceof SchemaError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('numbers as scenario authors write them', () => {
  test.each<[unknown, bigint | null]>([
    [0x7c00n, 0x7c00n],
    ['0x7c00', 0x7c00n],
    ['0x1_0000', 0x10000n],
    ['1_000', 1000n],
    ['0b1010', 10n],
    ['256MiB', 256n << 20n],
    ['4 KiB', 4096n],
    ['2GiB', 2n << 30n],
    ['0xffff_ffff_ffff_ff80', 0xffffffffffffff80n],
    [1.5, null],
    ['12MB', null],
    ['0x', null],
    ['-1', null],
    [true, null],
  ])('%p -> %p', (v, want) => {
    expect(toBigInt(v)).toBe(want);
  });
});

describe('the schema builder', () => {
  const s = obj({ required: { 'ap-jump-table': int() }, optional: { sev: oneOf(['none', 'es'] as const) } });
  test('kebab-case keys come out camelCase', () => {
    expect(s.parse({ 'ap-jump-table': '0x1000', sev: 'es' }, [], ctx)).toEqual({
      apJumpTable: 0x1000,
      sev: 'es',
    });
  });
  test('an unknown key names itself and the nearest known key', () => {
    const e = errorOf(() => s.parse({ 'ap-jump-table': 1, sevv: 'es' }, ['machine'], ctx));
    expect(e.path).toEqual(['machine', 'sevv']);
    expect(e.at).toBe('key');
    expect(e.message).toBe("unknown key 'sevv' (did you mean 'sev'?); expected one of ap-jump-table or sev");
  });
  test('a list item error carries its index', () => {
    const e = errorOf(() => arr(u64()).parse([1n, 'x'], ['list'], ctx));
    expect(e.path).toEqual(['list', 1]);
    expect(e.message).toBe('got the string "x"; expected a whole number from 0 to 0xffffffffffffffff');
  });
  test('byType picks the form by YAML type and lists all forms when none fits', () => {
    const t = byType<unknown>({ boolean: oneOf(['x'] as const) as never, number: int({ max: 9 }) });
    expect(t.parse('0x9', [], ctx)).toBe(9);
    expect(errorOf(() => t.parse([], ['t'], ctx)).message).toBe(
      'got a list; expected one of x, or a whole number from 0 to 9',
    );
  });
  test('the JSON Schema of an object forbids other keys and lists the required ones', () => {
    expect(s.json()).toMatchObject({
      type: 'object',
      required: ['ap-jump-table'],
      additionalProperties: false,
      properties: { sev: { enum: ['none', 'es'] } },
    });
  });
});

describe('describeValue: what an error message says it got', () => {
  test.each([
    [-1n, '-1'],
    [7, '7'],
    [70000, '70000 (0x11170)'],
    [0x100000000n, '4294967296 (0x100000000)'],
    [-70000n, '-70000 (-0x11170)'],
    [1.5, '1.5'],
    ['abc', 'the string "abc"'],
  ] as const)('%p reads %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});
