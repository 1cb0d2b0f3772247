import { describe, expect, test } from 'bun:test';
import { type ExprContext, evaluate, evaluateAddress } from '../../scripts/repl/expr.ts';
import { parseNumber, parseSize } from '../../scripts/repl/numbers.ts';
import { tokenize } from '../../scripts/repl/tokenize.ts';

const ctx: ExprContext = {
  reg: (n) => {
    const regs: Record<string, bigint> = { rax: 0x1000n, rsp: 0x7000n, si: 0x10n };
    if (!(n in regs)) throw new Error(`unknown register '${n}'`);
    return regs[n]!;
  },
  pc: () => 0x7c00n,
  segmentBase: (n) => (n === 'ds' ? 0x20000n : 0n),
  readPhys: (gpa, size) => (gpa === 0x500n && size === 4 ? 0xcafef00dn : 0n),
};

describe('numbers', () => {
  test.each([
    ['0x1f', 0x1fn],
    ['0X1F', 0x1fn],
    ['4096', 4096n],
    ['0b101', 5n],
    ['0xffff_ffff', 0xffffffffn],
    ['-1', -1n],
    ['12z', null],
    ['', null],
    ['0x', null],
  ] as const)('%s is %p', (text, value) => {
    expect(parseNumber(text)).toBe(value);
  });

  test.each([
    ['256M', 256n * 2n ** 20n],
    ['4G', 4n * 2n ** 30n],
    ['64KiB', 65536n],
    ['0x1000', 4096n],
    ['3X', null],
  ] as const)('size %s is %p', (text, value) => {
    expect(parseSize(text)).toBe(value);
  });
});

describe('expressions', () => {
  test.each([
    ['0x10', 0x10n],
    ['$rax+8', 0x1008n],
    ['$rsp-0x10+2', 0x6ff2n],
    ['$pc', 0x7c00n],
    ['u32[0x500]', 0xcafef00dn],
    ['u32[0x400+0x100]+1', 0xcafef00en],
    ['($rax+1)-1', 0x1000n],
    ['-1', 0xffffffffffffffffn],
  ] as const)('%s = %p', (text, value) => {
    expect(evaluate(text, ctx)).toBe(value);
  });

  test.each([
    ['f000:fff0', 0xffff0n],
    ['0:0x7c00', 0x7c00n],
    ['ds:0x10', 0x20010n],
    ['$ds:$si', 0x20010n],
  ] as const)('address %s = %p', (text, value) => {
    expect(evaluateAddress(text, ctx)).toBe(value);
  });

  test.each([
    ['$nope', "unknown register 'nope'"],
    ['0x10+', "'0x10+' ends where a value should be"],
    ['u32[0x500', "missing ']' in 'u32[0x500'"],
    ['12abc', "unexpected 'abc' in '12abc'"],
  ])('%s is refused: %s', (text, message) => {
    expect(() => evaluate(text, ctx)).toThrow(message);
  });
});

describe('tokenize', () => {
  test.each([
    ['x/4xw 0x1000', ['x', '/4xw', '0x1000']],
    ['  set u32   0x10 = 5 ', ['set', 'u32', '0x10', '=', '5']],
    ['load "my blob.bin" @ 0x7c00', ['load', 'my blob.bin', '@', '0x7c00']],
    ["echo 'a b' c", ['echo', 'a b', 'c']],
    ['', []],
  ] as const)('%s', (line, words) => {
    expect(tokenize(line)).toEqual([...words]);
  });

  test('an unclosed quote is a one-line error with an example', () => {
    expect(() => tokenize('load "x.bin @ 0')).toThrow(
      'unclosed " quote; example: load "my blob.bin" @ 0x1000',
    );
  });
});
