// The REPL commands and the park option, driven as a user would.
import { expect, test } from 'bun:test';
import { CommandError } from '../../../core/index.ts';
import { kdumpSession } from '../../../plugins/kdump/index.ts';
import { bootedMachine } from './rig.ts';

const run = (m: ReturnType<typeof bootedMachine>, line: string) => {
  const [name, ...args] = line.split(' ');
  return m.plugins.commands.get(name!)!.run(args, m);
};

test('kdump load, crash 2, kdump status: the status names the region, the crashing CPU and the stopped ones', () => {
  const m = bootedMachine();
  expect(() => run(m, 'crash 1')).toThrow('no crash kernel is loaded: kdump load first');
  run(m, 'kdump load');
  expect(run(m, 'crash 2')).toBe(
    'cpu2 crashed (sysrq-c); NMI stopped cpu0 cpu1 cpu3; capture kernel running on cpu2',
  );
  expect(String(run(m, 'kdump status')).split('\n')).toEqual([
    'crashkernel=16M@64M',
    expect.stringMatching(/^crash kernel: loaded at 0x4000000-0x5000000, entry 0x4000000$/),
    expect.stringMatching(
      /^old kernel A: crash code at 0x[0-9a-f]+, crash notes at 0x[0-9a-f]+, vmcoreinfo at 0x[0-9a-f]+$/,
    ),
    'crashed: cpu2 (sysrq-c, note by kernel model); stopped by NMI: cpu0 cpu1 cpu3',
    'capture kernel: running on cpu2 (halted)',
  ]);
  expect(() => run(m, 'crash 0')).toThrow(CommandError);
});

test('bad input is a CommandError with an example', () => {
  const m = bootedMachine({ vcpus: 2 });
  expect(() => run(m, 'crash x')).toThrow("crash takes a CPU number, got 'x'; example: crash 1");
  expect(() => run(m, 'crash 5')).toThrow('there is no cpu5: this machine has cpu0 to cpu1');
  expect(() => run(m, 'vmcore out')).toThrow(
    "vmcore takes 'write PATH', got 'out'; example: vmcore write vmcore",
  );
  expect(() => run(m, 'vmcore write /tmp/x')).toThrow('/proc/vmcore exists only in the capture kernel');
});

test('a crashkernel= region over the running kernel is refused', () => {
  const m = bootedMachine({ crashkernel: '16M@16M' });
  expect(() => run(m, 'kdump load')).toThrow('kdump load: crashkernel=16M@16M overlaps the running kernel A');
  expect(kdumpSession(m).loaded).toBeNull();
});

test('with park, the stopped APs park in the AP jump table blob (AP reset hold) instead of halting', () => {
  const m = bootedMachine({ park: true });
  run(m, 'kdump load');
  expect(run(m, 'crash 0')).toBe(
    'cpu0 crashed (sysrq-c); NMI stopped cpu1 cpu2 cpu3; capture kernel running on cpu0',
  );
  expect(m.vcpus.map((v) => v.state)).toEqual(['halted', 'ap-reset-hold', 'ap-reset-hold', 'ap-reset-hold']);
});
