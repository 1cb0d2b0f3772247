// The kdump session in machine snapshots (api.onSnapshot): a restore puts back whether a crash kernel is
// loaded, why the kernel crashed and which dumps were written; the options stay as setup set them.
import { describe, expect, test } from 'bun:test';
import { Machine, machineConfig, type StepContext } from '../../../core/index.ts';
import { kdumpPlugin, kdumpSession } from '../../../plugins/kdump/index.ts';
import { dumpsCompareStep, hostDumpStep, kdumpLoadStep, vmcoreStep } from '../../../plugins/kdump/steps.ts';
import { kexecPlugin, kexecSession } from '../../../plugins/kexec/index.ts';
import { execute } from '../../../scripts/repl/execute.ts';
import { Session } from '../../../scripts/repl/session.ts';
import { GHCB_BASE, loadedMachine, scratchDir } from './rig.ts';

const run = (m: Machine, line: string) => {
  const [name, ...args] = line.split(' ');
  return m.plugins.commands.get(name!)!.run(args, m);
};

const statusLines = (m: Machine) => String(run(m, 'kdump status')).split('\n');

const newMachine = () =>
  new Machine(machineConfig({ vcpus: 4, memory: 256 * 2 ** 20, sev: 'es', ghcbBase: GHCB_BASE }));

const NOT_LOADED = ['crashkernel=16M@64M', 'crash kernel: not loaded (kdump load)', 'crashed: no'];

describe('kdump session in machine snapshots', () => {
  test('REPL: kdump load after the snapshot is undone by restore, and crash refuses instead of jumping', async () => {
    const m = newMachine();
    m.plugins.use(kexecPlugin, {});
    m.plugins.use(kdumpPlugin, {});
    const s = new Session(m);
    const text = async (line: string) => {
      const r = await execute(s, line);
      return r.kind === 'error' ? `error: ${r.message}` : r.kind === 'ok' ? r.text : r.kind;
    };
    await text('boot a');
    await text('snapshot s');
    expect((await text('kdump load')).split('\n')[1]).toBe(
      'crash kernel: loaded at 0x4000000-0x5000000, entry 0x4000000',
    );
    expect(await text('restore s')).toBe('restored s');
    expect((await text('kdump status')).split('\n')).toEqual(NOT_LOADED);
    expect(await text('crash')).toBe(
      'error: crash failed: no crash kernel is loaded: kdump load first; example: crash 1',
    );
    await text('kdump load');
    expect(await text('crash')).toBe(
      'cpu0 crashed (sysrq-c); NMI stopped cpu1 cpu2 cpu3; capture kernel running on cpu0',
    );
  });

  test('a crash after the snapshot is undone: no cause, and the kernel crashes again on another CPU', () => {
    const m = loadedMachine();
    const s = m.snapshot();
    expect(run(m, 'crash 2')).toBe(
      'cpu2 crashed (sysrq-c); NMI stopped cpu0 cpu1 cpu3; capture kernel running on cpu2',
    );
    expect(kdumpSession(m).panicCause).toEqual({ kind: 'sysrq' });
    m.restore(s);
    expect(kdumpSession(m).panicCause).toBeNull();
    expect(statusLines(m)[3]).toBe('crashed: no');
    expect(run(m, 'crash 1')).toBe(
      'cpu1 crashed (sysrq-c); NMI stopped cpu0 cpu2 cpu3; capture kernel running on cpu1',
    );
  });

  test('without the kexec plugin, kdump puts back the kernel that kdump-load {boot: a} booted', () => {
    const m = newMachine();
    m.plugins.use(kdumpPlugin, {});
    const ctx: StepContext = { baseDir: '.', outDir: null };
    const s0 = m.snapshot();
    expect(kdumpLoadStep.run({ boot: 'a' }, m, ctx)).toEqual({ ok: true, note: 'crash kernel at 0x4000000' });
    m.restore(s0);
    expect(kexecSession(m).kernel).toBeNull();
    expect(kdumpSession(m).loaded).toBeNull();
    expect(kdumpLoadStep.run({ boot: 'a' }, m, ctx)).toEqual({ ok: true, note: 'crash kernel at 0x4000000' });
  });

  test('dumps written after the snapshot are forgotten: dumps-compare finds none', () => {
    const m = loadedMachine();
    run(m, 'crash 0');
    const ctx: StepContext = { baseDir: '.', outDir: scratchDir() };
    const s = m.snapshot();
    expect(vmcoreStep.run('vmcore', m, ctx)).toMatchObject({ ok: true });
    expect(hostDumpStep.run('host.core', m, ctx)).toMatchObject({ ok: true });
    const compare = { gpa: 0x100_0000, length: 8, expect: 'differ' } as const;
    expect(dumpsCompareStep.run(compare, m, ctx)).toMatchObject({ ok: true });
    m.restore(s);
    expect(kdumpSession(m).written).toEqual({});
    expect(dumpsCompareStep.run(compare, m, ctx)).toEqual({
      ok: false,
      expected: 'a vmcore and a host dump written earlier',
      actual: 'missing',
    });
  });

  test('kdump loaded after the snapshot goes back to its initial session and keeps its options', () => {
    const m = newMachine();
    m.plugins.use(kexecPlugin, {});
    const s0 = m.snapshot();
    m.plugins.use(kdumpPlugin, { crashkernel: '32M@64M' });
    run(m, 'boot a');
    run(m, 'kdump load');
    m.restore(s0);
    expect(statusLines(m)).toEqual(['crashkernel=32M@64M', ...NOT_LOADED.slice(1)]);
    expect(kexecSession(m).kernel).toBeNull();
  });

  test('loading kexec after the snapshot keeps the kernel kdump booted before it', () => {
    const m = newMachine();
    m.plugins.use(kdumpPlugin, {});
    const ctx: StepContext = { baseDir: '.', outDir: null };
    expect(kdumpLoadStep.run({ boot: 'a' }, m, ctx)).toMatchObject({ ok: true });
    const s = m.snapshot();
    m.plugins.use(kexecPlugin, {});
    expect(run(m, 'kexec load b')).toBe('loaded B (the AP jump table blob is installed)');
    m.restore(s);
    expect(kexecSession(m).kernel?.name).toBe('A');
    expect(kexecSession(m).loaded).toBeNull();
    expect(statusLines(m)[1]).toBe('crash kernel: loaded at 0x4000000-0x5000000, entry 0x4000000');
  });
});
