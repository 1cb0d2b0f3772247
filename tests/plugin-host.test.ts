// api.onSnapshot: plugin state goes into machine snapshots and comes back on restore. What a plugin
// registers and throws from is one plugin-error event under the plugin's name; the machine goes on.
import { describe, expect, test } from 'bun:test';
import { definePlugin, GHCB_MSR, Machine, machineConfig, type PluginApi } from '../core/index.ts';
import { mmioPlugin } from '../plugins/mmio/index.ts';

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

/** A plugin named `boom` whose setup is `register`. */
const boom = (register: (api: PluginApi) => void) => definePlugin({ name: 'boom', setup: register });
const fail = (message: string) => () => {
  throw new Error(message);
};
const pluginErrors = (m: Machine) =>
  m.log.events.flatMap((e) => (e.kind === 'plugin-error' ? [{ plugin: e.plugin, message: e.message }] : []));

/** A one-vCPU machine, booted, with real-mode `code` at 0x7c00 for the BSP to run. */
function realModeMachine(sev: 'none' | 'es', code: number[]): Machine {
  const m = new Machine(machineConfig({ vcpus: 1, memory: 16 * 2 ** 20, sev }));
  m.boot();
  m.memory.write(0x7c00, Uint8Array.from(code));
  const c = m.vcpu(0).cpu;
  c.setReg('cs', 0);
  c.setReg('rip', 0x7c00);
  c.setReg('rax', 0x1234n);
  return m;
}

describe('a plugin device or handler that throws is reported by name and does not stop the machine', () => {
  test.each(['none', 'es'] as const)(
    'IN from a throwing plugin port reads 0xff on a %s VM; OUT is dropped',
    (sev) => {
      // mov dx, 0x510 ; in al, dx ; out dx, al ; hlt
      const m = realModeMachine(sev, [0xba, 0x10, 0x05, 0xec, 0xee, 0xf4]);
      m.plugins.use(
        boom((api) =>
          api.addPortDevice(0x510, 2, { name: 'fw-cfg', read: fail('kaboom'), write: fail('no') }),
        ),
      );
      expect(m.run({ maxInstructions: 1000 })).toEqual({ kind: 'idle' });
      expect(m.vcpu(0).cpu.getReg('rax')).toBe(0x12ffn);
      expect(m.vcpu(0).cpu.getReg('rip')).toBe(0x7c06n);
      expect(pluginErrors(m)).toEqual([
        { plugin: 'boom', message: 'port 0x510 read: kaboom' },
        { plugin: 'boom', message: 'port 0x510 write: no' },
      ]);
    },
  );

  test.each(['none', 'es'] as const)(
    'a load from throwing plugin MMIO reads 0xff on a %s VM; the store is dropped',
    (sev) => {
      // mov ax, 0xa000 ; mov ds, ax ; mov bx, 0x10 ; mov al, [bx] ; mov [bx], al ; hlt
      const m = realModeMachine(
        sev,
        [0xb8, 0x00, 0xa0, 0x8e, 0xd8, 0xbb, 0x10, 0x00, 0x8a, 0x07, 0x88, 0x07, 0xf4],
      );
      // Under SEV-ES the access is an NPF #VC: the MMIO plugin is the kernel's handler for it.
      if (sev === 'es') m.plugins.use(mmioPlugin);
      m.plugins.use(
        boom((api) =>
          api.addMmioDevice(0xa0000, 0x1000, { name: 'probe', read: fail('kaboom'), write: fail('no') }),
        ),
      );
      expect(m.run({ maxInstructions: 1000 })).toEqual({ kind: 'idle' });
      expect(m.vcpu(0).cpu.getReg('rax')).toBe(0xa0ffn);
      expect(pluginErrors(m)).toEqual([
        { plugin: 'boom', message: 'MMIO 0xa0010 read: kaboom' },
        { plugin: 'boom', message: 'MMIO 0xa0010 write: no' },
      ]);
    },
  );

  test('an MMIO read of 8 bytes from a throwing device is all ones', () => {
    const m = new Machine(machineConfig({ vcpus: 1, sev: 'none' }));
    m.plugins.use(
      boom((api) => api.addMmioDevice(0xa0000, 0x1000, { name: 'probe', read: fail('x'), write: fail('y') })),
    );
    expect(m.memory.read64(0xa0008)).toBe(0xffff_ffff_ffff_ffffn);
    expect(pluginErrors(m)).toEqual([{ plugin: 'boom', message: 'MMIO 0xa0008 read: x' }]);
  });

  test('an exit row that throws is named by plugin and the core row answers the exit', () => {
    const m = new Machine(machineConfig({ vcpus: 1 }));
    m.boot();
    m.plugins.use(
      boom((api) =>
        api.onVmgexit({ exitCode: 0x72, name: 'BOOM', handle: fail('kaboom') }, { override: true }),
      ),
    );
    const g = m.rawGhcbExit(0, {
      fields: { sw_exit_code: 0x72n, sw_exit_info_1: 0n, sw_exit_info_2: 0n, rax: 0n, rcx: 0n },
    });
    expect(g.get('sw_exit_info_1')).toBe(0n);
    expect(m.log.events.at(-1)).toMatchObject({
      kind: 'vmgexit-result',
      name: 'SVM_EXIT_CPUID',
      result: 'ok',
    });
    expect(pluginErrors(m)).toEqual([{ plugin: 'boom', message: 'VMGEXIT 0x72 (BOOM) handler: kaboom' }]);
  });

  test('an exit row of its own that throws leaves the exit unclaimed: GHCB_ERR_INVALID_EVENT (6)', () => {
    const m = new Machine(machineConfig({ vcpus: 1 }));
    m.boot();
    m.plugins.use(
      boom((api) => api.onVmgexit({ exitCode: 0x8000_0f00, name: 'VENDOR', handle: fail('kaboom') })),
    );
    const g = m.rawGhcbExit(0, {
      fields: { sw_exit_code: 0x8000_0f00n, sw_exit_info_1: 0n, sw_exit_info_2: 0n },
    });
    expect([g.get('sw_exit_info_1'), g.get('sw_exit_info_2')]).toEqual([2n, 6n]);
    expect(pluginErrors(m)).toEqual([
      { plugin: 'boom', message: 'VMGEXIT 0x80000f00 (VENDOR) handler: kaboom' },
    ]);
  });

  test('an MSR-protocol handler that throws is named by plugin and core answers the request', () => {
    const m = new Machine(machineConfig({ vcpus: 1 }));
    m.plugins.use(
      boom((api) => {
        api.onMsrProtocol({ code: 0xf00, name: 'vendor ping', handle: fail('kaboom') });
        api.onMsrProtocol(
          { code: GHCB_MSR.HV_FT_REQ, name: 'features', handle: fail('no') },
          { override: true },
        );
      }),
    );
    // Nobody else claims 0xf00: the MSR keeps the request (KVM: unknown codes leave it unchanged).
    expect(m.msrProtocol(0, 0xf00n)).toBe(0xf00n);
    expect(m.msrProtocol(0, 0x080n) & 0xfffn).toBe(0x081n);
    expect(pluginErrors(m)).toEqual([
      { plugin: 'boom', message: 'MSR protocol request 0xf00 (vendor ping) handler: kaboom' },
      { plugin: 'boom', message: 'MSR protocol request 0x80 (features) handler: no' },
    ]);
  });

  test('a #VC handler that throws is named by plugin and core handles the #VC', () => {
    // cpuid ; hlt   (EAX = 0: the largest standard leaf)
    const m = realModeMachine('es', [0x0f, 0xa2, 0xf4]);
    m.vcpu(0).cpu.setReg('rax', 0n);
    m.plugins.use(
      boom((api) => api.onVc({ exitCode: 0x72, name: 'cpuid', handle: fail('kaboom') }, { override: true })),
    );
    expect(m.run({ maxInstructions: 1000 })).toEqual({ kind: 'idle' });
    expect(m.log.events.filter((e) => e.kind === 'vc-result').map((e) => e.result)).toEqual(['ES_OK']);
    expect(pluginErrors(m)).toEqual([{ plugin: 'boom', message: '#VC 0x72 (cpuid) handler: kaboom' }]);
  });

  test('an INIT handler that throws is named by plugin; the next one still runs', () => {
    const m = new Machine(machineConfig({ vcpus: 2, sev: 'none' }));
    const seen: number[] = [];
    m.plugins.use(
      boom((api) => {
        api.onInit(fail('kaboom'));
        api.onInit((v) => void seen.push(v.index));
      }),
    );
    m.sendIpi(0, { to: 1, type: 'INIT' });
    expect(seen).toEqual([1]);
    expect(pluginErrors(m)).toEqual([{ plugin: 'boom', message: 'INIT handler for cpu1: kaboom' }]);
  });

  test('an option the plugin does not list is refused before setup runs', () => {
    const m = new Machine(machineConfig({ vcpus: 1 }));
    let ran = false;
    const p = definePlugin<{ greeting?: string }>({
      name: 'hello',
      optionKeys: ['greeting'],
      setup() {
        ran = true;
      },
    });
    expect(() => m.plugins.use(p, { greting: 'hi' } as never)).toThrow(
      "plugin hello has no option 'greting'; expected one of greeting",
    );
    expect(ran).toBe(false);
    expect(m.plugins.loaded()).toEqual([]);
    m.plugins.use(p, { greeting: 'hi' });
    expect(ran).toBe(true);
  });
});
