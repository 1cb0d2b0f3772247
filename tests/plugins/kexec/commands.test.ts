import { describe, expect, test } from 'bun:test';
import { CommandError, Machine, machineConfig } from '../../../core/index.ts';
import { kexecPlugin } from '../../../plugins/kexec/index.ts';

function machine(sev: 'es' | 'none', protocolMax = 2): Machine {
  const m = new Machine(machineConfig({ vcpus: 3, sev, ghcbBase: 0x400_0000, hypervisor: { protocolMax } }));
  m.plugins.use(kexecPlugin, {});
  return m;
}

const run = (m: Machine, line: string) => {
  const [name, ...args] = line.split(' ');
  const c = m.plugins.commands.get(name!);
  if (!c) throw new Error(`no command ${name}`);
  return c.run(args, m);
};

describe('kexec plugin commands drive a whole session', () => {
  test('boot, kexec load and exec under SEV-ES with the blob', () => {
    const m = machine('es');
    expect(run(m, 'boot a')).toBe(
      'kernel A booted: 3 of 3 CPUs online; AP jump table blob installed at 0xff00000',
    );
    expect(run(m, 'kexec load b')).toBe('loaded B (the AP jump table blob is installed)');
    expect(run(m, 'kexec exec')).toBe(
      'kexec A -> B: 1 CPU online after the stop; kernel B has 3 of 3 CPUs online; AP jump table blob installed at 0xff00000',
    );
    expect(run(m, 'cpu offline 2')).toBe('cpu2 is offline (vCPU ap-reset-hold); 2 CPUs online');
    expect(run(m, 'cpu online 2')).toBe('cpu2 is online (vCPU halted); 3 CPUs online');
    expect(String(run(m, 'blob show')).split('\n')[1]).toBe(
      'installed at 0xff00000: reset vector 0a00:0003, GDT offset 0x00a0',
    );
  });

  test('GHCB protocol 1: kexec load is -ENOSYS with the reason', () => {
    const m = machine('es', 1);
    run(m, 'boot a');
    expect(run(m, 'kexec load b')).toBe(
      'error: kexec_load: -ENOSYS: GHCB protocol version 1 has no MSR-based AP reset hold (parking needs version 2)',
    );
    expect(String(run(m, 'kexec status')).split('\n')[3]).toBe(
      'kexec: kexec_load: -ENOSYS: GHCB protocol version 1 has no MSR-based AP reset hold (parking needs version 2)',
    );
  });

  test('a plain VM is allowed and bad input is a CommandError with the usage', () => {
    const m = machine('none');
    expect(run(m, 'boot b')).toBe('kernel B booted: 3 of 3 CPUs online; blob not installed (not-sev-es)');
    expect(() => run(m, 'cpu offline two')).toThrow(CommandError);
    expect(() => run(m, 'kexec jump')).toThrow(
      "unknown kexec form 'jump': kexec load a|b|FILE [--force] | kexec exec | kexec status",
    );
    expect(run(m, 'kexec exec')).toBe('error: no image is loaded: kexec load a|b|FILE first');
  });
});
