import { expect, test } from 'bun:test';
import { kexecPlugin } from '../../plugins/kexec/index.ts';
import { fails, fingerprint, loadProgram, newSession, ok } from './helpers.ts';

/** Lines that must fail without touching the machine or the session, each in a different way. */
const BAD = [
  'frobnicate',
  'x/4xw 0x0ffffffc',
  'x/0xw 0x1000',
  'xp/8xb $nosuch',
  'set u32 0xfffffffe = 1',
  'set u16 0x1000 = 0x10000',
  'set $cs = 0x10 0x20',
  'wx zz @ 0x1000',
  'wx 90 @ 0x10000000',
  'load /nonexistent @ 0x0',
  'dump 0x0 0 /tmp/never',
  'hv-view 0x0 0',
  'vcpu 4',
  'delete 1',
  'restore none',
  'snapshot bad/name',
  'msr-proto',
  'msr-proto terminate 16 0',
  'msr-proto raw 0x1000',
  'msr-proto cpuid 0x100000000 eax',
  'wrmsr 0x100000000 0',
  'ghcb rip',
  'ghcb cpl = 256',
  'ghcb exit',
  'vmgexit nonsense',
  'vmgexit raw 0x100000000',
  'sipi 9 0x10',
  'sipi 1 0x100',
  'init 4',
  'break',
  'assert 1 == 2',
  'help nosuch',
  'plugin load nosuch-plugin',
  'plugin load mmio {bad json',
];

test.each(BAD)("'%s' leaves the machine and the session as they were", async (line) => {
  const s = newSession();
  await loadProgram(s);
  await ok(s, 'snapshot base');
  if (line === 'break') await ok(s, 'break 0x7c03');
  const before = fingerprint(s);
  if (line === 'break') {
    expect(await fails(s, 'break 0x7c03')).toBe('breakpoint 1 is already at 0x7c03; example: delete 1');
  } else {
    const message = await fails(s, line);
    expect(message).toContain('example: ');
    expect(message).not.toContain('\n');
  }
  expect(fingerprint(s)).toBe(before);
});

test('a plugin command that fails is undone, and the machine still boots after it', async () => {
  const s = newSession({ vcpus: 2 });
  s.machine.plugins.use(kexecPlugin, {});
  const before = fingerprint(s);
  expect(await fails(s, 'cpu offline x')).toContain("'x' is not a CPU number");
  expect(fingerprint(s)).toBe(before);
  expect(await ok(s, 'boot a')).toContain('kernel A booted: 2 of 2 CPUs online');
});
