// Machine.snapshot / restore as the REPL, the scenario steps and failed plugin commands use them: a
// restored machine runs on exactly as the original did from the same point.
import { describe, expect, test } from 'bun:test';
import { Machine, machineConfig } from '../core/index.ts';
import { bootAction } from '../plugins/kexec/actions.ts';
import { kexecPlugin } from '../plugins/kexec/index.ts';

function kexecMachine(): Machine {
  const m = new Machine(machineConfig({ vcpus: 4, memory: 256 * 2 ** 20 }));
  m.plugins.use(kexecPlugin, {});
  return m;
}

const logText = (m: Machine, from: number) => m.log.events.slice(from).map((e) => JSON.stringify(e));

describe('Machine snapshot and restore', () => {
  test("the guest kernel's GHCB calls reach the hypervisor after a restore", () => {
    const m = new Machine(machineConfig({ vcpus: 1, memory: 64 * 2 ** 20 }));
    const v = m.vcpu(0);
    const snap = m.snapshot();
    expect(m.kernel.getApJumpTable(v)).toEqual({ ok: true, gpa: m.hv.apJumpTable });
    m.restore(snap);
    expect(m.kernel.getApJumpTable(v)).toEqual({ ok: true, gpa: m.hv.apJumpTable });
  });

  test('booting from a restored snapshot logs the same events as the first boot', () => {
    const m = kexecMachine();
    const snap = m.snapshot();
    const from = m.log.length;
    expect(bootAction(m, 'a', '.')).toMatchObject({ ok: true });
    const first = logText(m, from);
    m.restore(snap);
    m.log.truncate(from);
    expect(bootAction(m, 'a', '.')).toMatchObject({ ok: true });
    expect(logText(m, from)).toEqual(first);
    expect(first.length).toBeGreaterThan(100);
  });

  test('the SIPI count goes back, so a replay drops the same SIPI', () => {
    const m = new Machine(machineConfig({ vcpus: 2, hypervisor: { hostile: { dropSipi: [0] } } }));
    const s = m.snapshot();
    const startAp = () => {
      m.sendIpi(0, { to: 1, type: 'INIT' });
      m.sendIpi(0, { to: 1, type: 'SIPI', vector: 0x10 });
      return m.vcpu(1).state;
    };
    expect(startAp()).toBe('wait-for-sipi');
    m.restore(s);
    expect(startAp()).toBe('wait-for-sipi');
    expect(startAp()).toBe('running');
  });
});
