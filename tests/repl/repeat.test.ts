import { expect, test } from 'bun:test';
import { repeatLineOf } from '../../scripts/repl/repeat.ts';
import { fails, loadProgram, newSession, ok } from './helpers.ts';

test.each([
  ['step', ['s', '2'], 's 2'],
  ['continue', ['c'], 'c'],
  ['x', ['x', '/4xw', '0x1000'], 'x/4xw'],
  ['xp', ['xp', '0x1000'], 'xp'],
  ['regs', ['regs'], null],
  ['set u32', ['set', 'u32', '0x1000', '=', '1'], null],
] as const)('after %s %j an empty Enter runs %j', (row, words, line) => {
  expect(repeatLineOf(row, words)).toBe(line);
});

test('a bare x goes on after the last x with its format; a new format applies from there', async () => {
  const s = newSession();
  await ok(s, 'wx 0102030405060708090a0b0c @ 0x3000');
  expect(await ok(s, 'x/2xb 0x3000')).toBe('0x00003000: 0x01 0x02');
  expect(s.repeatLine).toBe('x/2xb');
  expect(await ok(s, 'x')).toBe('0x00003002: 0x03 0x04');
  expect(await ok(s, 'x/1xw')).toBe('0x00003004: 0x08070605');
  expect(await ok(s, 'x')).toBe('0x00003008: 0x0c0b0a09');
  expect(s.repeatLine).toBe('x');
  expect(await fails(s, 'xp')).toBe(
    'xp: missing GPA (a bare xp goes on after the last one); example: xp/8xb 0x7c00',
  );
});

test('a bare x after x/Ni goes on after the instructions shown', async () => {
  const s = newSession();
  await loadProgram(s);
  await ok(s, 'x/2i 0x7c00');
  expect((await ok(s, 'x/1i')).startsWith('0x00007c04:')).toBe(true);
});

test('a command that is not repeated clears the repeat; an error leaves it', async () => {
  const s = newSession();
  await ok(s, 'x/2xb 0x3000');
  await fails(s, 'x/2xb $nope');
  expect(s.repeatLine).toBe('x/2xb');
  await ok(s, 'regs');
  expect(s.repeatLine).toBe(null);
});
