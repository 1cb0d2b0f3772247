import { expect, test } from 'bun:test';
import { fails, newSession, ok } from '../helpers.ts';

test('a page fault on a canonical high address names its 64-bit form', async () => {
  const s = newSession();
  await ok(s, 'plugin load kexec');
  await ok(s, 'boot a');
  expect(await fails(s, 'x/2xg 0xffff888000000000')).toContain('page fault at linear 0xffff888000000000');
});
