/**
 * A hypervisor and a guest kernel model wired together without the interpreter: vCPUs are bare GHCB
 * MSRs. Protocol tests use it to exercise both sides exactly as the machine wires them.
 */
import { PortBus } from '../../core/devices/port-bus.ts';
import { EventLog, type LoggedEvent } from '../../core/event-log.ts';
import { GuestKernel } from '../../core/guest/kernel.ts';
import { defaultHypervisorConfig, type HypervisorConfig } from '../../core/hypervisor/config.ts';
import { hostMemory } from '../../core/hypervisor/host-memory.ts';
import { Hypervisor } from '../../core/hypervisor/hypervisor.ts';
import { GuestMemory } from '../../core/memory/guest-memory.ts';
import { type CpuCore, Vcpu } from '../../core/vcpu.ts';

export class BareCpu implements CpuCore {
  ghcbMsr = 0n;
  regs = new Map<string, bigint>();
  resets = 0;
  nmis = 0;
  irqs: number[] = [];
  getReg(name: string): bigint {
    return this.regs.get(name) ?? 0n;
  }
  setReg(name: string, value: bigint | number): void {
    this.regs.set(name, BigInt(value));
  }
  reset(): void {
    this.resets++;
  }
  injectNmi(): void {
    this.nmis++;
  }
  injectInterrupt(vector: number): void {
    this.irqs.push(vector);
  }
}

export const GHCB_BASE = 0x10_0000;

export function protocolRig(
  opts: { vcpus?: number; hv?: Partial<HypervisorConfig>; sev?: 'none' | 'es' } = {},
) {
  const sev = opts.sev ?? 'es';
  const memory = new GuestMemory({ size: 64 * 2 ** 20, seed: 1, defaultEncrypted: sev === 'es' });
  const log = new EventLog();
  const ports = new PortBus();
  const vcpus = Array.from(
    { length: opts.vcpus ?? 4 },
    (_, i) => new Vcpu(i, i, new BareCpu(), i === 0 ? 'running' : 'wait-for-sipi'),
  );
  const hv = new Hypervisor(
    { ...defaultHypervisorConfig(sev), ...opts.hv, sev },
    hostMemory(memory),
    ports,
    log,
    vcpus,
  );
  const kernel = new GuestKernel({
    memory,
    log,
    vmgexit: (v) => hv.vmgexit(v),
    ghcbGpa: (v) => GHCB_BASE + v.index * 4096,
    regs: () => {
      throw new Error('no registers in the protocol rig');
    },
    decodeAtRip: () => {
      throw new Error('no instructions in the protocol rig');
    },
    pluginFailed: (_w, e) => {
      throw e;
    },
    halt: (v, why) => hv.setState(v, 'halted', why),
  });
  const events = <K extends LoggedEvent['kind']>(kind: K) =>
    log.events.filter((e) => e.kind === kind) as Extract<LoggedEvent, { kind: K }>[];
  return { memory, log, ports, vcpus, hv, kernel, events, bsp: vcpus[0]! };
}
