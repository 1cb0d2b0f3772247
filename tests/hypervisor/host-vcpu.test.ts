// What KVM can see of a vCPU: for SEV-ES only the VMCB (GHCB MSR, event injection) and its own run-state
// bookkeeping, never the registers, which live in the encrypted VMSA; for a plain VM also the registers
// (KVM_GET_REGS / KVM_SET_REGS).
import { describe, expect, test } from 'bun:test';
import { definePlugin, type HostVcpu, Machine, machineConfig } from '../../core/index.ts';

/** An exit code no allow-list row uses, for a row of the test's own. */
const TEST_EXIT = 0x8000_f00d;
/** A GHCBInfo request code the MSR protocol does not define. */
const TEST_MSR_REQ = 0xf00;

const HANDLE_KEYS = [
  'index',
  'apicId',
  'state',
  'ghcbMsr',
  'holdForm',
  'holdGhcbGpa',
  'initReceived',
  'receivedFirstSipi',
  'setGhcbMsr',
  'setState',
  'makeRunnable',
  'injectNmi',
  'injectInterrupt',
];

function machine(sev: 'none' | 'es'): Machine {
  const m = new Machine(machineConfig({ vcpus: 2, sev, memory: 16 * 2 ** 20 }));
  m.boot();
  return m;
}

/** Registers an exit row that records the handle it is given and tries the audit's register write. */
function exitRowSeeing(m: Machine): { seen: HostVcpu[]; writeFailed: unknown[] } {
  const seen: HostVcpu[] = [];
  const writeFailed: unknown[] = [];
  m.plugins.use(
    definePlugin({
      name: 'observer',
      setup: (api) =>
        api.onVmgexit({
          exitCode: TEST_EXIT,
          name: 'TEST_EXIT',
          handle: (ctx) => {
            seen.push(ctx.vcpu);
            try {
              (ctx.vcpu as unknown as { cpu: { setReg(n: string, v: bigint): void } }).cpu.setReg(
                'r12',
                0x4141n,
              );
            } catch (e) {
              writeFailed.push(e);
            }
            return { kind: 'resume' };
          },
        }),
    }),
  );
  return { seen, writeFailed };
}

const exitFields = { sw_exit_code: BigInt(TEST_EXIT), sw_exit_info_1: 0n, sw_exit_info_2: 0n };

describe('an exit row on an SEV-ES machine', () => {
  test('gets a handle with no cpu and no registers: the guest r12 stays as it was', () => {
    const m = machine('es');
    m.vcpu(1).cpu.setReg('r12', 0x1234n);
    const r = exitRowSeeing(m);
    m.rawGhcbExit(1, { fields: exitFields });
    const h = r.seen[0]!;
    expect(r.seen.length).toBe(1);
    expect('cpu' in h).toBe(false);
    expect('regs' in h).toBe(false);
    expect(h.regs).toBeUndefined();
    expect(r.writeFailed.length).toBe(1);
    expect(r.writeFailed[0]).toBeInstanceOf(TypeError);
    expect(m.vcpu(1).cpu.getReg('r12')).toBe(0x1234n);
  });

  test('sees the index, APIC ID, run state and the GHCB MSR KVM reads from the VMCB', () => {
    const m = machine('es');
    const r = exitRowSeeing(m);
    m.rawGhcbExit(0, { fields: exitFields });
    const h = r.seen[0]!;
    expect(Object.keys(h)).toEqual(HANDLE_KEYS);
    expect([h.index, h.apicId, h.state]).toEqual([0, 0, 'running']);
    expect(h.ghcbMsr).toBe(BigInt(m.kernel.ghcbGpa(m.vcpu(0))));
    expect(h).toBe(m.hv.vcpus[0]!);
    expect(h as unknown).not.toBe(m.vcpu(0));
  });

  test('the handle is frozen: no cpu can be attached to it', () => {
    const h = machine('es').hv.vcpus[0]!;
    expect(Object.isFrozen(h)).toBe(true);
    expect(() => Object.assign(h, { cpu: {} })).toThrow(TypeError);
  });
});

describe('an exit row on a plain VM (sev: none)', () => {
  test('reads and writes the exiting vCPU registers through regs', () => {
    const m = machine('none');
    m.vcpu(0).cpu.setReg('r12', 5n);
    const read: bigint[] = [];
    m.plugins.use(
      definePlugin({
        name: 'plain',
        setup: (api) =>
          api.onVmgexit({
            exitCode: TEST_EXIT,
            name: 'TEST_EXIT',
            handle: ({ vcpu }) => {
              read.push(vcpu.regs!.get('r12'));
              vcpu.regs!.set('r12', 0x4141n);
              return { kind: 'resume' };
            },
          }),
      }),
    );
    m.rawGhcbExit(0, { fields: exitFields });
    expect(read).toEqual([5n]);
    expect(m.vcpu(0).cpu.getReg('r12')).toBe(0x4141n);
  });
});

describe('an MSR-protocol handler on an SEV-ES machine', () => {
  test('gets a handle with no registers and answers through the GHCB MSR', () => {
    const m = machine('es');
    const seen: HostVcpu[] = [];
    const msrAtEntry: bigint[] = [];
    m.plugins.use(
      definePlugin({
        name: 'vendor',
        setup: (api) =>
          api.onMsrProtocol({
            code: TEST_MSR_REQ,
            name: 'vendor request',
            handle: ({ vcpu }) => {
              seen.push(vcpu);
              msrAtEntry.push(vcpu.ghcbMsr);
              // KVM set_ghcb_msr, then claim the request with the MSR as set.
              vcpu.setGhcbMsr(0xabc_f01n);
              return null;
            },
          }),
      }),
    );
    expect(m.msrProtocol(1, 0x5_f00n)).toBe(0xabc_f01n);
    const h = seen[0]!;
    expect(msrAtEntry).toEqual([0x5_f00n]);
    expect([h.index, h.apicId]).toEqual([1, 1]);
    expect('cpu' in h).toBe(false);
    expect('regs' in h).toBe(false);
  });
});

describe('the handles Hypervisor.vcpus gives', () => {
  test('SEV-ES: one per vCPU, none of them the Vcpu and none with registers', () => {
    const m = machine('es');
    expect(m.hv.vcpus.map((v) => [v.index, v.apicId, 'cpu' in v, 'regs' in v])).toEqual([
      [0, 0, false, false],
      [1, 1, false, false],
    ]);
    expect(m.hv.vcpus.some((h) => (h as unknown) === m.vcpu(h.index))).toBe(false);
  });

  test('sev: none: registers read and write through regs, as KVM_GET_REGS / KVM_SET_REGS', () => {
    const m = machine('none');
    const h = m.hv.vcpus[1]!;
    expect(Object.keys(h)).toEqual([...HANDLE_KEYS, 'regs']);
    expect('cpu' in h).toBe(false);
    h.regs!.set('r12', 0x4141n);
    expect(m.vcpu(1).cpu.getReg('r12')).toBe(0x4141n);
    m.vcpu(1).cpu.setReg('rbx', 0xbeefn);
    expect(h.regs!.get('rbx')).toBe(0xbeefn);
    h.regs!.reset();
    expect([h.regs!.get('cs'), h.regs!.get('rip'), h.regs!.get('cr0')]).toEqual([
      0xf000n,
      0xfff0n,
      0x60000010n,
    ]);
  });

  test('state is live and setState goes through the event log', () => {
    const m = machine('es');
    const h = m.hv.vcpus[1]!;
    expect(h.state).toBe('wait-for-sipi');
    h.setState('offline', 'test');
    expect(m.vcpu(1).state).toBe('offline');
    expect(h.state).toBe('offline');
    expect(m.log.events.at(-1)).toMatchObject({
      kind: 'state',
      vcpu: 1,
      from: 'wait-for-sipi',
      to: 'offline',
      why: 'test',
    });
  });

  test('a Hypervisor method given a vCPU index out of range says which vCPUs exist', () => {
    const m = machine('es');
    expect(() => m.hv.setState({ index: 2 }, 'halted', 'test')).toThrow(
      'there is no vCPU 2: this VM has vCPUs 0 to 1',
    );
  });
});

describe('INIT listeners', () => {
  const listen = (m: Machine): HostVcpu[] => {
    const seen: HostVcpu[] = [];
    m.plugins.use(definePlugin({ name: 'init', setup: (api) => api.onInit((v) => seen.push(v)) }));
    return seen;
  };

  test('SEV-ES: the listener gets the target handle, without registers', () => {
    const m = machine('es');
    const seen = listen(m);
    m.hv.init(m.vcpu(0), m.vcpu(1));
    expect(seen).toEqual([m.hv.vcpus[1]!]);
    expect('regs' in seen[0]!).toBe(false);
    expect(seen[0]!.initReceived).toBe(true);
  });

  test('sev: none: the listener sees the registers KVM just reset', () => {
    const m = machine('none');
    const seen = listen(m);
    m.hv.init(m.vcpu(0), m.vcpu(1));
    expect(seen[0]!.regs!.get('rip')).toBe(0xfff0n);
  });
});
