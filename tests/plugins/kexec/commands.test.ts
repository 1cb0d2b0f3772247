import { describe, expect, test } from 'bun:test';
import { CommandError, CommandFailed, Machine, machineConfig } from '../../../core/index.ts';
import { KERNEL_A_SYMBOLS, kexecPlugin } from '../../../plugins/kexec/index.ts';
import { LOADER_LAYOUT } from '../../../plugins/kexec/layout.ts';

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

  test.each(['es', 'none'] as const)(
    'kexec into the running kernel (A -> A) under sev %s: relocate_kernel runs from the control page',
    (sev) => {
      const m = machine(sev);
      run(m, 'boot a');
      for (let i = 0; i < 2; i++) {
        run(m, 'kexec load a');
        expect(run(m, 'kexec exec')).toStartWith(
          'kexec A -> A: 1 CPU online after the stop; kernel A has 3 of 3',
        );
      }
      // The old kernel copied relocate_kernel into the control page (the kexec model did not).
      const { relocate_kernel: from, relocate_kernel_end: end } = KERNEL_A_SYMBOLS;
      expect(m.memory.read(LOADER_LAYOUT.kexecControl, end - from)).toEqual(m.memory.read(from, end - from));
    },
  );

  test('kexec into a foreign ELF stops at its entry; then it runs on its own and nothing kexecs again', () => {
    const m = machine('es');
    run(m, 'boot a');
    const image = 'plugins/mmio/decompressor.elf';
    expect(() => run(m, `boot ${image}`)).toThrow(
      new CommandError(
        `${image} lacks the symbols kernel_id, trampoline_start, sev_es_trampoline_start, sev_ap_park_gdt, ` +
          "sev_ap_jumptable_blob_installed of the test kernels' boot protocol: boot a kernel built from " +
          'plugins/kexec/kernels/kernel.S, or kexec into this image',
      ),
    );
    expect(run(m, `kexec load ${image}`)).toBe(`loaded ${image} (the AP jump table blob is installed)`);
    expect(run(m, 'kexec exec')).toBe(
      `kexec A -> ${image}: 1 CPU online after the stop; cpu0 entered ${image} at 0x10053, which runs on ` +
        'its own (no boot report): run it to see what it does',
    );
    expect(m.vcpu(0).cpu.getReg('rip')).toBe(0x10053n);
    expect(m.vcpus.slice(1).map((v) => v.state)).toEqual(['ap-reset-hold', 'ap-reset-hold']);
    expect(String(run(m, 'kexec status')).split('\n')[0]).toBe(
      `kernel: ${image} (entered by kexec; not a test kernel, so it reports nothing)`,
    );
    expect(() => run(m, 'kexec load b')).toThrow(
      `${image} runs on its own (it is not a test kernel); no kernel is left to call kexec_load`,
    );
  });

  test('GHCB protocol 1: kexec load is -ENOSYS with the reason', () => {
    const m = machine('es', 1);
    run(m, 'boot a');
    // A refusal is a CommandError: the REPL undoes the command and a script stops.
    expect(() => run(m, 'kexec load b')).toThrow(
      new CommandError(
        'kexec_load: -ENOSYS: GHCB protocol version 1 has no MSR-based AP reset hold (parking needs version 2)',
      ),
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
      "unknown kexec form 'jump': kexec load a|b|c|FILE [--force] | kexec exec | kexec status",
    );
    // A run that cannot go on is a CommandFailed: an error that leaves the machine as it is.
    expect(() => run(m, 'kexec exec')).toThrow(
      new CommandFailed('no image is loaded: kexec load a|b|c|FILE first'),
    );
  });
});
