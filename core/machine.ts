import { Cpu } from './cpu/cpu.ts';
import { DecodeCache } from './cpu/decode-cache.ts';
import { type DecodeError, decode } from './cpu/decoder/index.ts';
import type { Insn } from './cpu/insn.ts';
import type { Platform } from './cpu/platform.ts';
import type { StopReason } from './cpu/stop-reason.ts';
import type { MmioDevice } from './devices/mmio-device.ts';
import { PortBus, type PortDevice } from './devices/port-bus.ts';
import { EventLog, hex } from './event-log.ts';
import type { FaultInfo } from './guest/ghcb-call.ts';
import { GuestKernel, type KernelSnapshot } from './guest/kernel.ts';
import type { VcRegs, VcResult } from './guest/vc/types.ts';
import { encodeIcr, ICR_DELIVERY } from './hypervisor/apic.ts';
import { hostMemory } from './hypervisor/host-memory.ts';
import { Hypervisor } from './hypervisor/hypervisor.ts';
import { MAX_VCPUS, type MachineConfig } from './machine-config.ts';
import { GuestMemory, type MemorySnapshot } from './memory/guest-memory.ts';
import { attachPlatformDevices, type PlatformDevices } from './platform-devices.ts';
import type { PluginStates } from './plugin-api.ts';
import { ReportedPluginFailure } from './plugin-guard.ts';
import { PluginHost } from './plugin-host.ts';
import { SVM_VMGEXIT, SVM_VMGEXIT_SET_AP_JUMP_TABLE } from './sev/exit-codes.ts';
import { Ghcb } from './sev/ghcb.ts';
import { GHCB_PAGE_SIZE, GHCB_SHARED_BUFFER, type GhcbField } from './sev/ghcb-layout.ts';
import { GHCB_VERSION_1 } from './sev/msr-protocol.ts';
import { Vcpu } from './vcpu.ts';

/** Why `Machine.run` returned. */
export type MachineStop =
  | { kind: 'until' }
  | { kind: 'budget'; instructions: number }
  | { kind: 'idle' }
  | { kind: 'terminated'; reason: string }
  | { kind: 'breakpoint'; vcpu: number; reason: StopReason }
  | { kind: 'stop-requested'; vcpu: number; reason: string };

export interface RunOptions {
  /** Instructions over all vCPUs before giving up (default 50 million). */
  maxInstructions?: number;
  /** Checked between slices; returning true ends the run with `{ kind: 'until' }`. */
  until?: () => boolean;
  /** Only these vCPUs run (default: every running vCPU). */
  only?: readonly number[];
}

/** Segment register names by number (SEG order). */
const SEGMENT_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/** Instructions a vCPU runs before the next one gets its turn. Deterministic round robin. */
const SLICE = 2000;

/**
 * A whole VM: guest memory, vCPUs running the interpreter, the hypervisor model, the guest kernel model,
 * devices, the plugin host and the event log. Tests, the CLI, scenarios and the REPL all drive it the
 * same way.
 */
export class Machine {
  readonly memory: GuestMemory;
  readonly ports = new PortBus();
  readonly log = new EventLog();
  readonly vcpus: Vcpu<Cpu>[];
  readonly hv: Hypervisor;
  readonly kernel: GuestKernel;
  readonly plugins: PluginHost;
  readonly decodeCache = new DecodeCache();
  /** COM1, VGA text, xAPIC and the register file, as `config.devices` asks. */
  readonly devices: PlatformDevices;
  /**
   * Instructions retired by all vCPUs before the slice now running, kept incrementally: summing
   * thousands of vCPUs for every event's icount stamp made the event log's cost grow with their number.
   */
  private retired = 0;
  /** The vCPU inside `cpu.run` right now and its count when the slice began. */
  private running: { cpu: Cpu; start: number } | null = null;
  /** The vCPU whose exit or MMIO access the hypervisor is serving (KVM kvm_get_running_vcpu). */
  private accessing: Vcpu<Cpu> | null = null;

  constructor(readonly config: MachineConfig) {
    validateConfig(config);
    this.memory = new GuestMemory({
      size: config.memory,
      seed: config.seed,
      defaultEncrypted: config.sev === 'es',
    });
    this.log.clock = () => this.instructions;
    this.memory.onStore = (gpa, length) => this.decodeCache.invalidateRange(gpa, length);
    this.vcpus = [];
    const sevEs = config.sev === 'es';
    for (let i = 0; i < config.vcpus; i++) {
      const platform = this.platformFor(i);
      const cpu = new Cpu({
        memory: this.memory,
        platform,
        sevEs,
        decodeCache: this.decodeCache,
        cBitPosition: config.hypervisor.cbit,
      });
      this.vcpus.push(new Vcpu(i, i, cpu, i === 0 ? 'running' : 'wait-for-sipi'));
    }
    this.hv = new Hypervisor(
      config.hypervisor,
      hostMemory(this.memory),
      this.ports,
      this.log,
      this.vcpus,
      (where, e) => this.pluginFailed(where, e),
    );
    this.kernel = new GuestKernel({
      memory: this.memory,
      log: this.log,
      vmgexit: (v) => this.vmgexit(v as Vcpu<Cpu>),
      ghcbGpa: (v) => config.ghcbBase + v.index * 4096,
      regs: (v) => this.vcRegs(v as Vcpu<Cpu>),
      decodeAtRip: (v) => this.decodeAtRip(v as Vcpu<Cpu>),
      pluginFailed: (where, e) => this.pluginFailed(where, e),
      halt: (v, why) => {
        (v as Vcpu<Cpu>).cpu.halted = true;
        this.hv.setState(v, 'halted', why);
      },
    });
    this.plugins = new PluginHost(this);
    for (const r of config.firmware.reserved) this.memory.reserve(r.base, r.length, r.owner);
    if (config.firmware.apJumpTable !== null)
      this.memory.reserve(
        Math.floor(config.firmware.apJumpTable / 4096) * 4096,
        4096,
        'firmware: AP jump table',
      );
    this.devices = attachPlatformDevices(config.devices, {
      memory: this.memory,
      ports: this.ports,
      log: this.log,
      current: () => this.accessing,
      icrWrite: (from, icr) => this.hv.icrWrite(from, icr),
    });
  }

  /** Instructions retired by all vCPUs. */
  get instructions(): number {
    return this.retired + (this.running ? this.running.cpu.instructionsRetired - this.running.start : 0);
  }

  get terminated(): boolean {
    return this.hv.terminated !== null;
  }

  /**
   * Firmware start-up as OVMF leaves the VM: on SEV-ES the BSP negotiates the GHCB protocol and
   * registers the AP jump table page (AP_JUMP_TABLE SET). Returns false if the VM was terminated.
   */
  boot(): boolean {
    const bsp = this.vcpus[0]!;
    if (this.config.sev !== 'es') return true;
    if (!this.kernel.negotiate(bsp)) return false;
    const jt = this.config.firmware.apJumpTable;
    if (jt !== null) {
      this.log.append({
        kind: 'log',
        vcpu: 0,
        source: 'firmware',
        message: `AP jump table page at ${hex(jt)} (reserved)`,
      });
      this.kernel.hvCall(bsp, SVM_VMGEXIT.AP_JUMP_TABLE, BigInt(SVM_VMGEXIT_SET_AP_JUMP_TABLE), BigInt(jt));
    }
    return !this.terminated;
  }

  /** Runs the running vCPUs round robin until a stop condition. */
  run(opts: RunOptions = {}): MachineStop {
    const budget = opts.maxInstructions ?? 50_000_000;
    const start = this.retired;
    const only = opts.only ? new Set(opts.only) : null;
    // Why a list of candidates: with thousands of vCPUs most are parked or halted; each round scans
    // the states once instead of testing every vCPU around every slice.
    for (;;) {
      if (this.hv.terminated) return { kind: 'terminated', reason: this.hv.terminated.reason };
      if (opts.until?.()) return { kind: 'until' };
      const used = this.retired - start;
      if (used >= budget) return { kind: 'budget', instructions: used };
      const runnable = this.vcpus.filter((v) => v.state === 'running' && (!only || only.has(v.index)));
      if (runnable.length === 0) return { kind: 'idle' };
      for (const v of runnable) {
        // A vCPU keeps its slice across #VCs and VMGEXITs: a round then costs the same whatever the
        // number of exits, and a round's O(vCPUs) scan is not paid once per exit.
        let left = SLICE;
        while (left > 0 && v.state === 'running') {
          const before = v.cpu.instructionsRetired;
          this.running = { cpu: v.cpu, start: before };
          let r: StopReason;
          try {
            r = v.cpu.run({ maxInstructions: Math.min(left, budget - (this.retired - start)) });
          } finally {
            this.running = null;
          }
          const retired = v.cpu.instructionsRetired - before;
          this.retired += retired;
          left -= Math.max(1, retired);
          const stop = this.afterStop(v, r);
          if (stop) return stop;
          if (this.hv.terminated) break;
          if (opts.until?.()) return { kind: 'until' };
          if (this.retired - start >= budget || r.kind === 'limit') break;
        }
        if (this.hv.terminated || this.retired - start >= budget) break;
      }
    }
  }

  /** The guest kernel's #VC handler runs for the instruction at RIP; an exception it asks for is raised. */
  private deliverVc(v: Vcpu<Cpu>, exitCode: number): VcResult {
    const res = this.kernel.handleVc(v, exitCode);
    if (res.result === 'ES_EXCEPTION') {
      v.cpu.raiseException(res.fault.vector, res.fault.errorCode ?? undefined);
      // vc_forward_exception: write_cr2 for a #PF; delivery has pushed the frame, CR2 is still unread.
      if (res.fault.cr2 !== undefined) v.cpu.setReg('cr2', res.fault.cr2);
    }
    return res;
  }

  /**
   * A hostile hypervisor injects a #VC (vector 29, this exit code as error code) into a vCPU through
   * event injection, though its instruction at RIP caused no such exit (WeSee). The guest's #VC handler
   * runs as for a real one; vc_check_opcode_bytes is what stands between it and a forged emulation.
   */
  injectVc(vcpu: number, exitCode: number): VcResult {
    const v = this.vcpu(vcpu);
    this.log.append({
      kind: 'log',
      vcpu: v.index,
      source: 'kvm',
      message: `hostile: injecting #VC with error code ${hex(exitCode)} at ${v.cpu.location()}`,
    });
    return this.deliverVc(v, exitCode);
  }

  /**
   * A hostile hypervisor injects an arbitrary interrupt vector (Heckler, USENIX Security 2024): without
   * SNP's restricted injection (HV feature bits 2 and 3) nothing stops it under SEV-ES. The injection is
   * recorded in the event log; the vCPU takes it through its IDT when IF allows, like any interrupt.
   */
  injectInterrupt(vcpu: number, vector: number): void {
    const v = this.vcpu(vcpu);
    if (!Number.isInteger(vector) || vector < 0 || vector > 0xff)
      throw new Error(`interrupt vector ${vector} is not 0..0xff`);
    this.log.append({
      kind: 'log',
      vcpu: v.index,
      source: 'kvm',
      message: `hostile: injecting interrupt vector ${hex(vector)} (no restricted injection under SEV-ES)`,
    });
    v.cpu.injectInterrupt(vector);
    if (v.state === 'halted') this.hv.setState(v, 'running', `interrupt ${hex(vector)}`);
  }

  /** What the machine does when one vCPU's `run` returns. */
  private afterStop(v: Vcpu<Cpu>, r: StopReason): MachineStop | null {
    switch (r.kind) {
      case 'limit':
        return null;
      case 'hlt':
        this.hv.setState(v, 'halted', 'HLT');
        return null;
      case 'vmgexit':
        this.vmgexit(v);
        return null;
      case 'vc':
        this.deliverVc(v, r.exitCode);
        return null;
      case 'shutdown':
        this.hv.terminate(v, 0, 0, 'shutdown', `triple fault on cpu${v.index}: ${r.reason}`);
        return null;
      case 'breakpoint':
        return { kind: 'breakpoint', vcpu: v.index, reason: r };
      case 'stop-requested':
        return { kind: 'stop-requested', vcpu: v.index, reason: r.reason };
    }
  }

  vcpu(index: number): Vcpu<Cpu> {
    const v = this.vcpus[index];
    if (!v)
      throw new Error(`there is no vCPU ${index}: this machine has vCPUs 0 to ${this.vcpus.length - 1}`);
    return v;
  }

  /** An MSR-protocol request by hand, as guest code issues it: write the GHCB MSR, VMGEXIT, read it back. */
  msrProtocol(vcpu: number, request: bigint): bigint {
    return this.kernel.msrExchange(this.vcpu(vcpu), request);
  }

  /**
   * A full GHCB exit by hand on the vCPU's GHCB page: exactly the given fields are written and marked
   * valid (nothing else), `usage` into ghcb_usage, `shared` at the start of the shared buffer; then the
   * MSR points at the page and the vCPU exits. Returns the page as the guest reads it afterwards.
   */
  rawGhcbExit(
    vcpu: number,
    req: { fields: Partial<Record<GhcbField, bigint>>; usage?: number; shared?: Uint8Array },
  ): Ghcb {
    const v = this.vcpu(vcpu);
    const gpa = this.kernel.ghcbGpa(v);
    const g = new Ghcb(new Uint8Array(GHCB_PAGE_SIZE));
    for (const [name, value] of Object.entries(req.fields)) g.set(name as GhcbField, value as bigint);
    g.usage = req.usage ?? 0;
    g.protocolVersion = GHCB_VERSION_1;
    if (req.shared) g.bytes.set(req.shared.subarray(0, GHCB_SHARED_BUFFER.size), GHCB_SHARED_BUFFER.offset);
    this.memory.write(gpa, g.bytes);
    v.cpu.ghcbMsr = BigInt(gpa);
    this.vmgexit(v);
    return new Ghcb(this.memory.read(gpa, GHCB_PAGE_SIZE));
  }

  /** Sends an IPI from a vCPU's local APIC, as a write of its interrupt command register would. */
  sendIpi(from: number, ipi: { to: number; type: 'INIT' | 'SIPI' | 'NMI' | 'fixed'; vector?: number }): void {
    const delivery = {
      INIT: ICR_DELIVERY.INIT,
      SIPI: ICR_DELIVERY.STARTUP,
      NMI: ICR_DELIVERY.NMI,
      fixed: ICR_DELIVERY.FIXED,
    }[ipi.type];
    const to = this.vcpu(ipi.to);
    this.hv.icrWrite(
      this.vcpu(from),
      encodeIcr({ vector: ipi.vector ?? 0, delivery, level: true, shorthand: 0, destination: to.apicId }),
    );
  }

  private platformFor(index: number): Platform {
    const vcpu = () => this.vcpus[index]!;
    return {
      cpuid: (leaf, sub) => this.hv.cpuid(vcpu(), leaf, sub),
      rdmsr: (msr) => this.hv.rdmsr(vcpu(), msr),
      wrmsr: (msr, value) => this.hv.wrmsr(vcpu(), msr, value),
      ioIn: (port, size) => this.hv.ioIn(port, size),
      vmmcall: (rax) => this.hv.hypercall(vcpu(), rax),
      ioOut: (port, size, value) => this.hv.ioOut(port, size, value),
      mmioRead: (gpa, size) => {
        this.accessing = vcpu();
        const b = this.memory.read(gpa, size);
        let v = 0n;
        for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        return v;
      },
      mmioWrite: (gpa, size, value) => {
        this.accessing = vcpu();
        const b = new Uint8Array(size);
        for (let i = 0; i < size; i++) b[i] = Number((value >> BigInt(i * 8)) & 0xffn);
        this.memory.write(gpa, b);
      },
    };
  }

  /** VMGEXIT of `v`: the hypervisor serves this vCPU until the next exit or access. */
  private vmgexit(v: Vcpu<Cpu>): void {
    this.accessing = v;
    this.hv.vmgexit(v);
  }

  private decodeAtRip(v: Vcpu<Cpu>): Insn | DecodeError {
    const bytes = v.cpu.fetchBytes(15);
    return decode(bytes, 0, bytes.length, v.cpu.codeSize);
  }

  private vcRegs(v: Vcpu<Cpu>): VcRegs {
    return {
      get: (name) => v.cpu.getReg(name),
      set: (name, value) => v.cpu.setReg(name, value),
      readVirt: (seg, offset, length) => v.cpu.readVirtual(seg, offset, length) as Uint8Array | FaultInfo,
      writeVirt: (seg, offset, bytes) => v.cpu.writeVirtual(seg, offset, bytes) as FaultInfo | null,
      segment: (seg) => {
        const s = v.cpu.getSegment(SEGMENT_NAMES[seg] ?? String(seg));
        return { base: s.base, limit: s.limit };
      },
      cpl: () => v.cpu.cpl,
      translate: (linear, access) => {
        const r = v.cpu.translate(linear, access);
        if ('fault' in r) return { vector: r.fault.vector, errorCode: r.fault.errorCode, cr2: linear };
        // The walk strips the C-bit and the model keeps it per page, so the page's state answers what
        // the kernel reads from _PAGE_ENC of the PTE.
        return { gpa: r.gpa, encrypted: this.isPrivateRam(r.gpa) };
      },
    };
  }

  /** Private RAM; MMIO and addresses beyond RAM are shared. */
  private isPrivateRam(gpa: number): boolean {
    return gpa < this.memory.size && this.memory.isEncrypted(gpa);
  }

  /**
   * A handler that threw inside a handler chain. What plugins register is guarded (plugin-guard.ts) and
   * reports itself under the plugin's name; what reaches here otherwise is core's own.
   */
  private pluginFailed(where: string, e: unknown): void {
    if (e instanceof ReportedPluginFailure) return;
    this.log.append({
      kind: 'plugin-error',
      plugin: 'core',
      message: `${where}: ${e instanceof Error ? e.message : String(e)}`,
    });
  }

  /**
   * The whole machine as data: memory, vCPUs and their APICs, hypervisor and guest-kernel state,
   * device registers and buffers, and plugin state (`api.onSnapshot`). The event log is not copied:
   * `logLength` lets a caller cut it back.
   */
  snapshot(): MachineSnapshot {
    return {
      memory: this.memory.snapshot(),
      cpus: this.vcpus.map((v) => v.cpu.snapshot()),
      apics: this.vcpus.map((v) => v.apic.snapshot()),
      vcpus: this.vcpus.map((v) => ({
        state: v.state,
        receivedFirstSipi: v.receivedFirstSipi,
        holdForm: v.holdForm,
        holdGhcbGpa: v.holdGhcbGpa,
        initReceived: v.initReceived,
      })),
      hv: { apJumpTable: this.hv.apJumpTable, terminated: this.hv.terminated, sipiCount: this.hv.sipiCount },
      kernel: this.kernel.snapshot(),
      devices: new Map(this.allDevices().flatMap((d) => (d.snapshot ? [[d, d.snapshot()] as const] : []))),
      plugins: this.plugins.saveStates(),
      logLength: this.log.length,
    };
  }

  /** Every device on the port bus and in the MMIO map, once each. */
  private allDevices(): Array<MmioDevice | PortDevice> {
    return [...new Set([...this.ports.devices(), ...this.memory.mmioRanges().map((r) => r.device)])];
  }

  restore(s: MachineSnapshot): void {
    this.memory.restore(s.memory);
    this.decodeCache.clear();
    this.vcpus.forEach((v, i) => {
      v.cpu.restore(s.cpus[i]!);
      v.apic.restore(s.apics[i]!);
      Object.assign(v, s.vcpus[i]!);
    });
    this.hv.apJumpTable = s.hv.apJumpTable;
    this.hv.terminated = s.hv.terminated;
    this.hv.sipiCount = s.hv.sipiCount;
    this.kernel.restore(s.kernel);
    // A device added since the snapshot keeps its state: the snapshot knows nothing of it.
    for (const d of this.allDevices()) if (s.devices.has(d)) d.restore?.(s.devices.get(d));
    this.plugins.restoreStates(s.plugins);
    this.retired = this.vcpus.reduce((n, v) => n + v.cpu.instructionsRetired, 0);
  }
}

export interface MachineSnapshot {
  memory: MemorySnapshot;
  cpus: ReturnType<Cpu['snapshot']>[];
  apics: ReturnType<Vcpu['apic']['snapshot']>[];
  vcpus: Pick<Vcpu, 'state' | 'receivedFirstSipi' | 'holdForm' | 'holdGhcbGpa' | 'initReceived'>[];
  hv: Pick<Hypervisor, 'apJumpTable' | 'terminated' | 'sipiCount'>;
  kernel: KernelSnapshot;
  devices: ReadonlyMap<MmioDevice | PortDevice, unknown>;
  plugins: PluginStates;
  logLength: number;
}

function validateConfig(c: MachineConfig): void {
  if (!Number.isInteger(c.vcpus) || c.vcpus < 1 || c.vcpus > MAX_VCPUS)
    throw new Error(`vcpus is ${c.vcpus}: give a whole number from 1 to ${MAX_VCPUS}`);
  const ghcbEnd = c.ghcbBase + c.vcpus * 4096;
  if (c.sev === 'es' && ghcbEnd > c.memory)
    throw new Error(
      `the per-CPU GHCB pages end at 0x${ghcbEnd.toString(16)}, beyond the ${c.memory}-byte memory: give more memory or a lower ghcbBase`,
    );
  const jt = c.firmware.apJumpTable;
  if (jt !== null && (!Number.isInteger(jt) || jt < 0 || jt + 4096 > c.memory))
    throw new Error(
      `firmware.apJumpTable 0x${jt.toString(16)} is outside guest memory (size 0x${c.memory.toString(16)})`,
    );
}
