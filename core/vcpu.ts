import type { VcpuRunState } from './event-log.ts';
import { LocalApic } from './hypervisor/lapic.ts';

/**
 * What the machine needs of an interpreter core. The x86 interpreter (core/cpu) implements it; the
 * hypervisor touches only `ghcbMsr`, `injectNmi` and `injectInterrupt` of an SEV-ES vCPU, and the
 * register methods only for `sev: none` (where KVM may reset registers on INIT).
 */
export interface CpuCore {
  ghcbMsr: bigint;
  getReg(name: string): bigint;
  setReg(name: string, value: bigint | number): void;
  /** INIT state (CR0 = 0x60000010, CS:IP = F000:FFF0). */
  reset(): void;
  injectNmi(): void;
  injectInterrupt(vector: number): void;
}

/** How an AP that waits in a reset hold will be released (KVM ap_reset_hold_type). */
export type HoldForm = 'msr' | 'ghcb';

export class Vcpu<C extends CpuCore = CpuCore> {
  state: VcpuRunState;
  /** KVM sev_es.received_first_sipi: the first SIPI starts the AP at its launch-time VMSA state. */
  receivedFirstSipi = false;
  /** Set while in AP reset hold: which response the releasing SIPI writes. */
  holdForm: HoldForm | null = null;
  /** GHCB GPA of a GHCB-form hold, where the release writes sw_exit_info_2 = 1. */
  holdGhcbGpa = 0;
  /** KVM mp_state INIT_RECEIVED: an INIT arrived, a SIPI may now start or release the vCPU. */
  initReceived = false;
  /** The vCPU's local APIC (held by the hypervisor: its MSRs are intercepted). */
  readonly apic: LocalApic;

  constructor(
    readonly index: number,
    readonly apicId: number,
    readonly cpu: C,
    initial: VcpuRunState,
  ) {
    this.state = initial;
    this.apic = new LocalApic(apicId, index === 0);
  }
}
