// The guest kernel model's panic(): a chain of handlers (crash_kexec, panic notifiers) reached from
// an unhandled #VC only when the VMM returns from the termination request, as in Linux.
import { describe, expect, test } from 'bun:test';
import { definePlugin, GHCB_MSR, Machine, machineConfig, type PanicHandler } from '../../core/index.ts';

/*
 * Real mode at 0x7c00, SEV-ES, no MMIO plugin: the store to VGA memory is an NPF #VC nobody handles.
 *   mov ax, 0xb800 ; mov ds, ax ; mov byte [0], 0x41 ; hlt     (7c00..7c0a)
 *   hlt                                                         (7c0b: where a handler may send the CPU)
 */
const CODE = 'b8 00 b8 8e d8 c6 06 00 00 41 f4 f4';
const AFTER_TAKE_OVER = 0x7c0b;

function faultingMachine(): Machine {
  const m = new Machine(machineConfig({ vcpus: 1, memory: 16 * 2 ** 20 }));
  m.memory.write(0x7c00, Uint8Array.from(CODE.split(' ').map((b) => Number.parseInt(b, 16))));
  const c = m.vcpu(0).cpu;
  c.setReg('cs', 0);
  c.setReg('rip', 0x7c00);
  return m;
}

/** A VMM that answers GHCB_MSR_TERM_REQ by resuming the guest instead of stopping it. */
const ignoresTermination = definePlugin({
  name: 'vmm-ignores-termination',
  setup(api) {
    api.onMsrProtocol(
      { code: GHCB_MSR.TERM_REQ, name: 'ignored termination', handle: () => null },
      { override: true },
    );
  },
});

function recorder(calls: string[], name: string, result: 'took-over' | undefined): PanicHandler {
  return {
    name,
    handle: ({ vcpu, message }) => {
      calls.push(`${name} cpu${vcpu.index}: ${message}`);
      if (result === 'took-over') vcpu.cpu.setReg('rip', AFTER_TAKE_OVER);
      return result;
    },
  };
}

const kernelLines = (m: Machine) =>
  m.log.events.flatMap((e) => (e.kind === 'log' && e.source === 'kernel' ? [e.message] : []));

describe('panic() in the guest kernel model', () => {
  test('an unhandled #VC terminates the VM first: the panic handlers never run', () => {
    const m = faultingMachine();
    const calls: string[] = [];
    m.plugins.use(
      definePlugin({ name: 'p', setup: (api) => api.onPanic(recorder(calls, 'kdump', 'took-over')) }),
    );
    expect(m.run({ maxInstructions: 1000 })).toEqual({
      kind: 'terminated',
      reason: 'general request',
    });
    expect(calls).toEqual([]);
    expect(kernelLines(m)).toEqual([
      'PANIC: Unhandled #VC exception in kernel space (result=ES_UNSUPPORTED)',
    ]);
  });

  test('when the VMM returns from the termination request, the handlers run in order until one takes over', () => {
    const m = faultingMachine();
    const calls: string[] = [];
    m.plugins.use(ignoresTermination);
    m.plugins.use(
      definePlugin({
        name: 'p',
        setup(api) {
          api.onPanic(recorder(calls, 'notifier', undefined));
          api.onPanic(recorder(calls, 'crash_kexec', 'took-over'));
          api.onPanic(recorder(calls, 'never', undefined));
        },
      }),
    );
    expect(m.run({ maxInstructions: 1000 })).toEqual({ kind: 'idle' });
    expect(calls).toEqual([
      'notifier cpu0: Returned from Terminate-Request to Hypervisor',
      'crash_kexec cpu0: Returned from Terminate-Request to Hypervisor',
    ]);
    expect(kernelLines(m)).toEqual([
      'PANIC: Unhandled #VC exception in kernel space (result=ES_UNSUPPORTED)',
      'Kernel panic - not syncing: Returned from Terminate-Request to Hypervisor',
    ]);
    // The CPU went where the handler sent it and halted there, past the hlt at 0x7c0b.
    expect(m.vcpu(0).cpu.getReg('rip')).toBe(BigInt(AFTER_TAKE_OVER + 1));
    expect(m.terminated).toBe(false);
  });

  test('with no handler taking over, the CPU stops where it panicked after the end marker', () => {
    const m = faultingMachine();
    m.plugins.use(ignoresTermination);
    expect(m.run({ maxInstructions: 1000 })).toEqual({ kind: 'idle' });
    expect(kernelLines(m).slice(1)).toEqual([
      'Kernel panic - not syncing: Returned from Terminate-Request to Hypervisor',
      '---[ end Kernel panic - not syncing: Returned from Terminate-Request to Hypervisor ]---',
    ]);
    expect(m.vcpu(0).state).toBe('halted');
    expect(m.vcpu(0).cpu.getReg('rip')).toBe(0x7c05n); // the faulting store
  });

  test('a throwing handler is a plugin-error event and the next handler runs', () => {
    const m = faultingMachine();
    const calls: string[] = [];
    m.plugins.use(ignoresTermination);
    m.plugins.use(
      definePlugin({
        name: 'p',
        setup(api) {
          api.onPanic({
            name: 'broken',
            handle: () => {
              throw new Error('boom');
            },
          });
          api.onPanic(recorder(calls, 'next', 'took-over'));
        },
      }),
    );
    m.run({ maxInstructions: 1000 });
    expect(m.log.events.filter((e) => e.kind === 'plugin-error')).toMatchObject([
      { plugin: 'p', message: 'panic handler broken: boom' },
    ]);
    expect(calls).toEqual(['next cpu0: Returned from Terminate-Request to Hypervisor']);
  });

  test('removing a plugin removes its panic handlers; kernel.panic() can be called directly', () => {
    const m = faultingMachine();
    const calls: string[] = [];
    m.plugins.use(definePlugin({ name: 'p', setup: (api) => api.onPanic(recorder(calls, 'h', undefined)) }));
    m.plugins.remove('p');
    expect(m.kernel.panic(m.vcpu(0), 'sysrq triggered crash')).toEqual({ kind: 'halted' });
    expect(calls).toEqual([]);
    const off = m.kernel.addPanicHandler(recorder(calls, 'direct', 'took-over'));
    expect(m.kernel.panic(m.vcpu(0), 'again')).toEqual({ kind: 'took-over', by: 'direct' });
    off();
    expect(calls).toEqual(['direct cpu0: again']);
  });
});
