import type { VcpuRunState } from '../event-log.ts';
import type { HoldForm, Vcpu } from '../vcpu.ts';

/**
 * What KVM may do to the registers of a plain VM's vCPU (KVM_GET_REGS / KVM_SET_REGS, and the reset
 * of kvm_vcpu_reset). Register names are the interpreter's ('rax'..'r15', 'rip', 'cs', 'cr0', ...).
 */
export interface HostRegs {
  get(name: string): bigint;
  set(name: string, value: bigint | number): void;
  /** The INIT state (CR0 = 0x60000010, CS:IP = F000:FFF0), as KVM resets a plain vCPU on INIT. */
  reset(): void;
}

/**
 * A vCPU as the hypervisor sees it (KVM's struct kvm_vcpu plus struct vcpu_svm's VMCB control area).
 * It is a separate object from the machine's Vcpu and holds no reference to the interpreter core:
 * for `sev: es` the registers are in the encrypted VMSA, so there is no `regs` at all, and KVM sees
 * only what the VMCB and its own bookkeeping hold.
 */
export interface HostVcpu {
  readonly index: number;
  readonly apicId: number;
  /** KVM's run-state bookkeeping (mp_state and the SEV-ES AP reset hold). */
  readonly state: VcpuRunState;
  /** The GHCB MSR as KVM reads it from the VMCB on VMGEXIT (control->ghcb_gpa). */
  readonly ghcbMsr: bigint;
  /** KVM sev_es.ap_reset_hold_type: how the AP waiting in a reset hold will be released, or null. */
  readonly holdForm: HoldForm | null;
  /** GHCB GPA of a GHCB-form hold (where the release writes sw_exit_info_2 = 1). */
  readonly holdGhcbGpa: number;
  /** KVM mp_state INIT_RECEIVED. */
  readonly initReceived: boolean;
  /** KVM sev_es.received_first_sipi. */
  readonly receivedFirstSipi: boolean;
  /** KVM set_ghcb_msr: an MSR-protocol response goes into the VMCB's GHCB MSR field. */
  setGhcbMsr(value: bigint): void;
  /** Changes the run state and logs a `state` event (no event when it is already `to`). */
  setState(to: VcpuRunState, why: string): void;
  /**
   * KVM sets mp_state RUNNABLE after loading new protected state (sev_snp_init_protected_guest_state):
   * any AP reset hold and pending INIT are forgotten and the vCPU runs.
   */
  makeRunnable(why: string): void;
  /** Event injection through the VMCB (EVENTINJ): an NMI, or a fixed interrupt vector. */
  injectNmi(): void;
  injectInterrupt(vector: number): void;
  /** Register access: present only for `sev: none`. Under SEV-ES the hypervisor cannot see registers. */
  readonly regs?: HostRegs;
}

/** Names a vCPU to a Hypervisor method: a HostVcpu, or the machine's own Vcpu inside core. */
export interface VcpuRef {
  readonly index: number;
}

/**
 * Builds the hypervisor's view of `vcpu`. The Vcpu is captured in closures, never stored as a
 * property, so no path leads from the handle to the interpreter core.
 */
export function hostVcpu(
  vcpu: Vcpu,
  sevEs: boolean,
  setState: (to: VcpuRunState, why: string) => void,
): HostVcpu {
  const handle: HostVcpu = {
    index: vcpu.index,
    apicId: vcpu.apicId,
    get state() {
      return vcpu.state;
    },
    get ghcbMsr() {
      return vcpu.cpu.ghcbMsr;
    },
    get holdForm() {
      return vcpu.holdForm;
    },
    get holdGhcbGpa() {
      return vcpu.holdGhcbGpa;
    },
    get initReceived() {
      return vcpu.initReceived;
    },
    get receivedFirstSipi() {
      return vcpu.receivedFirstSipi;
    },
    setGhcbMsr: (value) => {
      vcpu.cpu.ghcbMsr = value;
    },
    setState,
    makeRunnable: (why) => {
      vcpu.holdForm = null;
      vcpu.initReceived = false;
      setState('running', why);
    },
    injectNmi: () => vcpu.cpu.injectNmi(),
    injectInterrupt: (vector) => vcpu.cpu.injectInterrupt(vector),
  };
  // Why: a plain VM's registers are the hypervisor's to read and write (KVM_GET_REGS); an SEV-ES
  // vCPU's are in its encrypted VMSA, so the handle has no `regs` key at all.
  if (!sevEs) {
    const regs: HostRegs = {
      get: (name) => vcpu.cpu.getReg(name),
      set: (name, value) => vcpu.cpu.setReg(name, value),
      reset: () => vcpu.cpu.reset(),
    };
    Object.defineProperty(handle, 'regs', { value: regs, enumerable: true });
  }
  return Object.freeze(handle);
}
