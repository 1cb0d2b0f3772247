// api.onSnapshot: plugin state goes into machine snapshots and comes back on restore.
import { describe, expect, test } from 'bun:test';
import { definePlugin, Machine, machineConfig } from '../core/index.ts';

/** A plugin counting `tick` commands, its count kept in snapshots. */
function counter(name = 'counter') {
  const restored: Array<number | undefined> = [];
  let count = 0;
  const plugin = definePlugin({
    name,
    setup(api) {
      count = 0;
      api.addCommand({
        name: `${name}-tick`,
        summary: 'count',
        usage: `${name}-tick`,
        run: () => String(++count),
      });
      api.onSnapshot({
        save: () => count,
        restore: (saved) => {
          restored.push(saved);
          count = saved ?? 0;
        },
      });
    },
  });
  return { plugin, restored, count: () => count };
}

const tick = (m: Machine, name = 'counter') => m.plugins.commands.get(`${name}-tick`)!.run([], m);

describe('plugin state in machine snapshots', () => {
  test('restore puts back what save returned, and a snapshot restores twice', () => {
    const m = new Machine(machineConfig({ vcpus: 1 }));
    const c = counter();
    m.plugins.use(c.plugin);
    tick(m);
    const s = m.snapshot();
    tick(m);
    tick(m);
    m.restore(s);
    expect(c.count()).toBe(1);
    tick(m);
    m.restore(s);
    expect(c.count()).toBe(1);
    expect(c.restored).toEqual([1, 1]);
  });

  test('a plugin loaded after the snapshot gets undefined and goes back to its initial state', () => {
    const m = new Machine(machineConfig({ vcpus: 1 }));
    const s = m.snapshot();
    const c = counter();
    m.plugins.use(c.plugin);
    tick(m);
    m.restore(s);
    expect(c.restored).toEqual([undefined]);
    expect(c.count()).toBe(0);
  });

  test('a removed plugin is no longer saved or restored', () => {
    const m = new Machine(machineConfig({ vcpus: 1 }));
    const c = counter();
    m.plugins.use(c.plugin);
    m.plugins.remove('counter');
    expect(m.snapshot().plugins.size).toBe(0);
    m.restore(m.snapshot());
    expect(c.restored).toEqual([]);
  });

  test('a reload registers once: one saved value per onSnapshot call of the loaded setup', () => {
    const m = new Machine(machineConfig({ vcpus: 1 }));
    const c = counter();
    m.plugins.use(c.plugin);
    m.plugins.use(c.plugin);
    tick(m);
    expect([...m.snapshot().plugins]).toEqual([['counter#0', 1]]);
  });

  test('state two plugins share by key is saved once and restored while either is loaded', () => {
    const m = new Machine(machineConfig({ vcpus: 1 }));
    const shared = { booted: false };
    const calls: Array<boolean | undefined> = [];
    const user = (name: string) =>
      definePlugin({
        name,
        setup(api) {
          api.onSnapshot({
            key: 'shared',
            save: () => shared.booted,
            restore: (saved) => {
              calls.push(saved);
              shared.booted = saved ?? false;
            },
          });
        },
      });
    m.plugins.use(user('first'));
    shared.booted = true;
    const s = m.snapshot();
    expect([...s.plugins]).toEqual([['shared', true]]);
    // Loaded after the snapshot, the second plugin does not reset what the first one saved.
    m.plugins.use(user('second'));
    shared.booted = false;
    m.restore(s);
    expect(calls).toEqual([true]);
    expect(shared.booted).toBe(true);
    m.plugins.remove('first');
    shared.booted = false;
    m.restore(s);
    expect(shared.booted).toBe(true);
    m.plugins.remove('second');
    expect(m.snapshot().plugins.size).toBe(0);
  });

  test('a restore that throws is a plugin-error event and the rest of the machine is restored', () => {
    const m = new Machine(machineConfig({ vcpus: 1 }));
    m.plugins.use(
      definePlugin({
        name: 'broken',
        setup(api) {
          api.onSnapshot({
            save: () => 1,
            restore: () => {
              throw new Error('no');
            },
          });
        },
      }),
    );
    m.memory.write8(0x1000, 1);
    const s = m.snapshot();
    m.memory.write8(0x1000, 2);
    m.restore(s);
    expect(m.memory.read8(0x1000)).toBe(1);
    expect(m.log.events.at(-1)).toMatchObject({
      kind: 'plugin-error',
      plugin: 'broken',
      message: 'restore of broken#0 failed: no',
    });
  });
});
