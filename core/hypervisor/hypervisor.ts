import type { CpuidResult } from '../cpu/platform.ts';
import type { PortBus } from '../devices/port-bus.ts';
import { type EventLog, hex, type VcpuRunState } from '../event-log.ts';
import { Ghcb } from '../sev/ghcb.ts';
import { GHCB_PAGE_SIZE } from '../sev/ghcb-layout.ts';
import { GHCB_MSR_NAMES } from '../sev/msr-protocol.ts';
import { terminationReasonText } from '../sev/termination.ts';
import type { Vcpu } from '../vcpu.ts';
import { decodeIcr, ICR_DELIVERY, ICR_SHORTHAND } from './apic.ts';
import type { HypervisorConfig } from './config.ts';
import { cpuidFor } from './cpuid.ts';
import type { ExitRow } from './exit-table.ts';
import { coreExitRows } from './exits/index.ts';
import { handleGhcbExit } from './ghcb-exit.ts';
import type { HostMemory } from './host-memory.ts';
import { type HostVcpu, hostVcpu, type VcpuRef } from './host-vcpu.ts';
import { LocalApic } from './lapic.ts';
import { type MsrProtocolHandler, msrProtocolRows } from './msr-protocol.ts';

export interface Termination {
  vcpu: number;
  set: number;
  code: number;
  reason: string;
  via: string;
}

/**
 * A KVM-faithful model of the host side of an SEV-ES (or plain) VM. It sees a vCPU only through the
 * GHCB MSR value, the GHCB page and its own run-state bookkeeping: for `sev: es` nothing here reads or
 * writes guest registers or private plaintext (memory goes through `hvRead`/`hvWrite`).
 *
 * Code outside this class (exit rows, MSR-protocol handlers, INIT listeners, plugins) gets vCPUs only
 * as HostVcpu handles (`vcpus`), which carry no register access under SEV-ES; methods take any
 * `{ index }` and look the vCPU up in the private list.
 */
export class Hypervisor {
  /** The VM's AP jump table GPA (KVM sev->ap_jump_table): set by AP_JUMP_TABLE SET, 0 = none. */
  apJumpTable = 0;
  terminated: Termination | null = null;
  /** SIPIs sent so far (hostile.dropSipi picks one by its number); kept in machine snapshots. */
  sipiCount = 0;
  private readonly exits = new Map<number, ExitRow[]>();
  private readonly msrHandlers = new Map<number, MsrProtocolHandler[]>();
  private readonly initListeners: Array<(vcpu: HostVcpu) => void> = [];
  /** The hypervisor's view of each vCPU, by index: what exit rows and plugins get. */
  readonly vcpus: readonly HostVcpu[];
  /** A GHCB-sized page for exit snapshots, reused unless an exit is handled inside another one. */
  private spareSnapshot: Ghcb | null = new Ghcb(new Uint8Array(GHCB_PAGE_SIZE));

  constructor(
    readonly config: HypervisorConfig,
    readonly memory: HostMemory,
    readonly ports: PortBus,
    readonly log: EventLog,
    /** The machine's vCPUs: private, so no caller reaches an SEV-ES vCPU's registers through here. */
    private readonly all: readonly Vcpu[],
    /** Reports a plugin callback that threw; the hypervisor then behaves as if it had not claimed the event. */
    readonly pluginFailed: (where: string, e: unknown) => void = (_w, e) => {
      throw e;
    },
  ) {
    this.vcpus = all.map((v) => hostVcpu(v, config.sev === 'es', (to, why) => this.setState(v, to, why)));
    for (const row of coreExitRows) this.addExit(row);
    for (const row of msrProtocolRows) this.addMsrProtocol(row.code, row);
  }

  /** Adds an allow-list row; rows for one exit code are tried newest-first when `first` is set. */
  addExit(row: ExitRow, first = false): () => void {
    const list = this.exits.get(row.exitCode) ?? [];
    if (first) list.unshift(row);
    else list.push(row);
    this.exits.set(row.exitCode, list);
    return () => list.splice(list.indexOf(row), 1);
  }

  addMsrProtocol(code: number, handler: MsrProtocolHandler, first = false): () => void {
    const list = this.msrHandlers.get(code) ?? [];
    if (first) list.unshift(handler);
    else list.push(handler);
    this.msrHandlers.set(code, list);
    return () => list.splice(list.indexOf(handler), 1);
  }

  knowsMsrProtocol(code: number): boolean {
    return (this.msrHandlers.get(code)?.length ?? 0) > 0;
  }

  /**
   * Runs `listener` after every INIT the model accepts, once the vCPU's own INIT handling is done
   * (KVM kvm_vcpu_reset(init_event) -> sev_init_vmcb, where SNP's protected-state update hooks in).
   * Returns the function that removes it.
   */
  onInit(listener: (vcpu: HostVcpu) => void): () => void {
    this.initListeners.push(listener);
    return () => this.initListeners.splice(this.initListeners.indexOf(listener), 1);
  }

  /** A page to snapshot a GHCB into (the host's private copy, never guest-visible). */
  takeSnapshotPage(): Ghcb {
    const page = this.spareSnapshot ?? new Ghcb(new Uint8Array(GHCB_PAGE_SIZE));
    this.spareSnapshot = null;
    return page;
  }

  returnSnapshotPage(page: Ghcb): void {
    this.spareSnapshot = page;
  }

  /** The allow-list rows for an exit code, in the order they are tried. */
  exitRows(exitCode: number): readonly ExitRow[] {
    return this.exits.get(exitCode) ?? [];
  }

  knowsExit(exitCode: number): boolean {
    return (this.exits.get(exitCode)?.length ?? 0) > 0;
  }

  /** The machine's Vcpu behind a handle or index (throws a sentence for an index out of range). */
  private at(ref: VcpuRef): Vcpu {
    const v = this.all[ref.index];
    if (!v) throw new Error(`there is no vCPU ${ref.index}: this VM has vCPUs 0 to ${this.all.length - 1}`);
    return v;
  }

  setState(ref: VcpuRef, to: VcpuRunState, why: string): void {
    const vcpu = this.at(ref);
    if (vcpu.state === to) return;
    this.log.append({ kind: 'state', vcpu: vcpu.index, from: vcpu.state, to, why });
    vcpu.state = to;
  }

  /** Stops the VM with a termination reason (KVM: KVM_SYSTEM_EVENT_SEV_TERM to the VMM). */
  terminate(
    vcpu: VcpuRef,
    set: number,
    code: number,
    via: string,
    reason = terminationReasonText(set, code),
  ): void {
    if (this.terminated) return;
    this.terminated = { vcpu: vcpu.index, set, code, reason, via };
    this.log.append({ kind: 'terminate', vcpu: vcpu.index, set, code, reason, via });
    for (const v of this.all) if (v.state !== 'offline') this.setState(v, 'terminated', 'VM stopped');
  }

  // ---- VMGEXIT entry -------------------------------------------------------------------------------

  /** A vCPU executed VMGEXIT: dispatch on the GHCB MSR value (KVM sev_handle_vmgexit). */
  vmgexit(ref: VcpuRef): void {
    if (this.terminated) return;
    const vcpu = this.at(ref);
    const msr = vcpu.cpu.ghcbMsr;
    if ((msr & 0xfffn) !== 0n) {
      this.msrProtocol(vcpu, msr);
      return;
    }
    handleGhcbExit(this, vcpu, msr);
  }

  // ---- MSR protocol --------------------------------------------------------------------------------

  /** KVM sev_handle_vmgexit_msr_protocol. */
  private msrProtocol(vcpu: Vcpu, value: bigint): void {
    const code = Number(value & 0xfffn);
    this.log.append({
      kind: 'msr-proto',
      vcpu: vcpu.index,
      request: msrName(code),
      requestValue: hex(value),
    });
    const forged = this.config.hostile.msrResponses?.find((r) => r.request === code);
    let response: bigint | null = null;
    if (forged) {
      response = forged.response;
    } else {
      for (const h of this.msrHandlers.get(code) ?? []) {
        let r: ReturnType<MsrProtocolHandler['handle']>;
        try {
          r = h.handle({ hv: this, vcpu: this.vcpus[vcpu.index]!, value });
        } catch (e) {
          this.pluginFailed(`MSR protocol request ${hex(code)}`, e);
          continue;
        }
        if (r === undefined) continue;
        response = r;
        break;
      }
    }
    if (response !== null) vcpu.cpu.ghcbMsr = response;
    // A stopped VM never resumes the vCPU, so there is no response to report.
    if (this.terminated) return;
    const final = vcpu.cpu.ghcbMsr;
    this.log.append({
      kind: 'msr-proto-result',
      vcpu: vcpu.index,
      response: msrName(Number(final & 0xfffn)),
      responseValue: hex(final),
    });
  }

  /** Enters the MSR-form AP reset hold; used by the 0x006 handler. */
  holdMsrForm(ref: VcpuRef): void {
    const vcpu = this.at(ref);
    vcpu.holdForm = 'msr';
    this.setState(vcpu, 'ap-reset-hold', 'AP reset hold (MSR protocol)');
  }

  // ---- Emulation services shared by the plain-VM platform and the GHCB exits ------------------------

  cpuid(vcpu: VcpuRef, leaf: number, subleaf: number): CpuidResult {
    return cpuidFor(
      {
        apicId: this.at(vcpu).apicId,
        vcpuCount: this.all.length,
        sevEs: this.config.sev === 'es',
        cbit: this.config.cbit,
      },
      leaf,
      subleaf,
    );
  }

  /** Intercepted RDMSR: undefined means #GP. Only the local APIC's MSRs exist here. */
  rdmsr(vcpu: VcpuRef, msr: number): bigint | undefined {
    if (!LocalApic.handles(msr)) return undefined;
    const r = this.at(vcpu).apic.rdmsr(msr);
    return r.kind === 'value' ? r.value : undefined;
  }

  /** Intercepted WRMSR: false means #GP. An ICR write sends the IPI. */
  wrmsr(vcpu: VcpuRef, msr: number, value: bigint): boolean {
    if (!LocalApic.handles(msr)) return false;
    const r = this.at(vcpu).apic.wrmsr(msr, value);
    if (r.kind === 'icr') this.icrWrite(vcpu, r.value);
    return r.kind !== 'gp';
  }

  // ---- Local APIC and INIT/SIPI ---------------------------------------------------------------------

  /** A write of the interrupt command register: send the IPI to every destination. */
  icrWrite(ref: VcpuRef, icr: bigint): void {
    const from = this.at(ref);
    const c = decodeIcr(icr);
    const targets =
      c.shorthand === ICR_SHORTHAND.SELF
        ? [from]
        : c.shorthand === ICR_SHORTHAND.ALL
          ? [...this.all]
          : c.shorthand === ICR_SHORTHAND.ALL_BUT_SELF
            ? this.all.filter((v) => v !== from)
            : this.byApicId(c.destination);
    if (c.delivery === ICR_DELIVERY.INIT && !c.level) return; // INIT level de-assert: nothing to do
    for (const to of targets) {
      switch (c.delivery) {
        case ICR_DELIVERY.INIT:
          this.init(from, to);
          break;
        case ICR_DELIVERY.STARTUP:
          this.sipi(from, to, c.vector);
          break;
        case ICR_DELIVERY.NMI:
          this.nmi(from, to);
          break;
        case ICR_DELIVERY.FIXED:
          this.fixed(from, to, c.vector);
          break;
        default:
          this.log.append({
            kind: 'log',
            vcpu: from.index,
            source: 'kvm',
            message: `ICR delivery mode ${c.delivery} is not modelled; ignored`,
          });
      }
    }
  }

  /** The vCPUs with this APIC ID (at most one): a map built once, as an IPI goes to one AP at a time. */
  private byApicId(id: number): Vcpu[] {
    if (!this.apicIds) {
      this.apicIds = new Map();
      for (const v of this.all) this.apicIds.set(v.apicId, [...(this.apicIds.get(v.apicId) ?? []), v]);
    }
    return this.apicIds.get(id) ?? [];
  }
  private apicIds: Map<number, Vcpu[]> | null = null;

  /** KVM kvm_apic_accept_events, INIT part, then the INIT listeners. */
  init(from: VcpuRef, to: VcpuRef): void {
    if (!this.acceptInit(this.at(from), this.at(to))) return;
    const handle = this.vcpus[to.index]!;
    for (const listener of [...this.initListeners]) {
      try {
        listener(handle);
      } catch (e) {
        this.pluginFailed('INIT listener', e);
      }
    }
  }

  /** Returns whether the INIT reached the vCPU. */
  private acceptInit(from: Vcpu, to: Vcpu): boolean {
    const ipi = (delivered: boolean, note?: string): void => {
      this.log.append({
        kind: 'ipi',
        from: from.index,
        to: to.index,
        type: 'INIT',
        vector: 0,
        delivered,
        ...(note ? { note } : {}),
      });
    };
    if (to.state === 'terminated' || to.state === 'offline') {
      ipi(false, `cpu${to.index} is ${to.state}`);
      return false;
    }
    to.initReceived = true;
    if (this.config.sev === 'none') {
      // Why: for a plain VM KVM emulates INIT by resetting the vCPU registers (kvm_vcpu_reset).
      to.cpu.reset();
      to.holdForm = null;
      ipi(true, 'registers reset');
      this.setState(to, 'wait-for-sipi', 'INIT');
      return true;
    }
    // Why: under SEV-ES the registers live in the encrypted VMSA; KVM cannot reset them. A vCPU in
    // an AP reset hold stays there; any other vCPU stops where it is and waits for a SIPI.
    if (to.state === 'ap-reset-hold' || to.state === 'wait-for-sipi') {
      ipi(true, 'INIT received');
      return true;
    }
    ipi(true, 'registers cannot be reset under SEV-ES');
    this.setState(to, 'wait-for-sipi', 'INIT');
    return true;
  }

  /** KVM sev_vcpu_deliver_sipi_vector and kvm_apic_accept_events, SIPI part. */
  sipi(fromRef: VcpuRef, toRef: VcpuRef, vector: number): void {
    const from = this.at(fromRef);
    const to = this.at(toRef);
    const n = this.sipiCount++;
    const ipi = (delivered: boolean, note: string): void => {
      this.log.append({ kind: 'ipi', from: from.index, to: to.index, type: 'SIPI', vector, delivered, note });
    };
    if (this.config.hostile.dropSipi?.includes(n)) {
      ipi(false, 'dropped by the hypervisor');
      return;
    }
    if (!to.initReceived) {
      ipi(false, `cpu${to.index} did not receive an INIT (state ${to.state})`);
      return;
    }
    to.initReceived = false;
    if (this.config.sev === 'none') {
      if (to.state !== 'wait-for-sipi') {
        ipi(false, `cpu${to.index} is ${to.state}`);
        return;
      }
      to.cpu.setReg('cs', BigInt(vector << 8));
      to.cpu.setReg('rip', 0n);
      ipi(true, `start at ${hex(vector << 8)}:0x0`);
      this.setState(to, 'running', 'SIPI');
      return;
    }
    if (!to.receivedFirstSipi) {
      // Why: the first SIPI to an SEV-ES AP starts it at the launch-time CS:IP measured into its VMSA.
      to.receivedFirstSipi = true;
      ipi(true, 'first SIPI: start at the launch-time VMSA state');
      this.setState(to, 'running', 'first SIPI');
      return;
    }
    if (to.holdForm === 'msr') {
      to.cpu.ghcbMsr = (1n << 12n) | 0x007n;
      ipi(true, 'released AP reset hold (MSR form)');
    } else if (to.holdForm === 'ghcb') {
      const g = new Ghcb(this.memory.hvRead(to.holdGhcbGpa, GHCB_PAGE_SIZE));
      g.set('sw_exit_info_2', 1n);
      this.memory.hvWrite(to.holdGhcbGpa, g.bytes);
      ipi(true, 'released AP reset hold (GHCB form)');
    } else {
      ipi(true, 'resumes where it stopped: registers untouched');
    }
    to.holdForm = null;
    this.setState(to, 'running', 'SIPI');
  }

  nmi(from: VcpuRef, toRef: VcpuRef): void {
    const to = this.at(toRef);
    const ok = to.state === 'running' || to.state === 'halted';
    this.log.append({ kind: 'ipi', from: from.index, to: to.index, type: 'NMI', vector: 2, delivered: ok });
    if (!ok) return;
    to.cpu.injectNmi();
    this.setState(to, 'running', 'NMI');
  }

  fixed(from: VcpuRef, toRef: VcpuRef, vector: number): void {
    const to = this.at(toRef);
    const running = to.state === 'running' || to.state === 'halted';
    const ok = running && to.apic.softwareEnabled;
    const note = !running
      ? `cpu${to.index} is ${to.state}`
      : !ok
        ? 'the target APIC is software-disabled'
        : undefined;
    this.log.append({
      kind: 'ipi',
      from: from.index,
      to: to.index,
      type: 'fixed',
      vector,
      delivered: ok,
      ...(note ? { note } : {}),
    });
    if (!ok) return;
    to.cpu.injectInterrupt(vector);
    this.setState(to, 'running', `interrupt ${hex(vector)}`);
  }

  /** A wake-up that is not a SIPI while an AP holds: a hostile hypervisor may release with result 0. */
  spuriousWake(ref: VcpuRef): void {
    const vcpu = this.at(ref);
    if (vcpu.state !== 'ap-reset-hold') return;
    if (vcpu.holdForm === 'msr') vcpu.cpu.ghcbMsr = 0x007n;
    vcpu.holdForm = null;
    this.setState(vcpu, 'running', 'woken without a SIPI (result 0)');
  }

  /**
   * KVM kvm_emulate_hypercall: no hypercall is implemented here, so every number answers
   * -KVM_ENOSYS (-1000) in RAX. Shared by a plain VM's VMMCALL and the SVM_EXIT_VMMCALL GHCB exit.
   */
  hypercall(_vcpu: VcpuRef, _nr: bigint): bigint {
    return BigInt.asUintN(64, -1000n);
  }

  /** Port I/O for the plain-VM platform and the IOIO exit. */
  ioIn(port: number, size: 1 | 2 | 4): number {
    return this.ports.in(port, size);
  }
  ioOut(port: number, size: 1 | 2 | 4, value: number): void {
    this.ports.out(port, size, value);
  }
}

const msrName = (code: number): string => GHCB_MSR_NAMES.get(code) ?? hex(code);
