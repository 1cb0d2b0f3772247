/**
 * The hypervisor side: KVM's handling of SVM_VMGEXIT_AP_CREATION (arch/x86/kvm/svm/sev.c,
 * sev_es_validate_vmgexit + sev_snp_ap_creation + sev_snp_init_protected_guest_state), on an SEV-ES
 * machine. KVM accepts the event only from SNP guests; this plugin lifts that, and nothing else.
 *
 * The hypervisor never reads the VMSA: it validates the request, remembers the VMSA GPA for the target
 * vCPU and asks it to update its protected state now (AP_CREATE, AP_DESTROY) or at its next INIT
 * (AP_CREATE_ON_INIT). The update is a reset plus a VMRUN from the new VMSA, done by the processor
 * (vmrun.ts). Every refusal is GHCB_ERR_INVALID_INPUT, as KVM answers any sev_snp_ap_creation error.
 */
import {
  type ExitOutcome,
  type ExitRow,
  GHCB_ERR,
  type HostVcpu,
  hex,
  type Machine,
  PAGE_SIZE,
  type PluginState,
} from '../../core/index.ts';
import { apRequestName, decodeApCreationInfo1, SVM_VMGEXIT_AP, SVM_VMGEXIT_AP_CREATION } from './protocol.ts';
import { vmrunFromVmsa } from './vmrun.ts';

/** PMD_SIZE: a 2 MiB-aligned VMSA hits an SNP erratum, so KVM refuses it (kept for fidelity). */
const PMD_SIZE = 0x20_0000;

/** What the hypervisor keeps per target vCPU (struct vcpu_sev_es_state's snp_* fields). */
export interface TargetState {
  /** snp_vmsa_gpa: the VMSA the next update loads, or null (INVALID_PAGE) after AP_DESTROY. */
  vmsaGpa: number | null;
  /** snp_ap_waiting_for_reset: an update is pending. */
  waitingForReset: boolean;
  /** The request that set it up, for the log. */
  request: number;
}

export interface ApCreationHostOptions {
  /** KVM sev->vmsa_features: the SEV_FEATURES every AP_CREATE must carry in RAX. */
  vmsaFeatures: bigint;
}

/** The per-machine hypervisor state of the feature and its exit row. */
export class ApCreationHost {
  readonly targets = new Map<number, TargetState>();

  constructor(
    private readonly machine: Machine,
    private readonly opts: ApCreationHostOptions,
  ) {}

  /**
   * The targets as machine snapshots take them (`api.onSnapshot`). Each entry is copied: an update
   * clears waitingForReset in place.
   */
  snapshotState(): PluginState<ReadonlyMap<number, TargetState>> {
    const copy = (from: Iterable<[number, TargetState]>) =>
      new Map([...from].map(([cpu, t]) => [cpu, { ...t }] as const));
    return {
      save: () => copy(this.targets),
      restore: (saved) => {
        this.targets.clear();
        for (const [cpu, t] of copy(saved ?? [])) this.targets.set(cpu, t);
      },
    };
  }

  private kvmLog(vcpu: number, message: string): void {
    this.machine.log.append({ kind: 'log', vcpu, source: 'kvm', message });
  }

  /** The allow-list row: RAX is required unless the request is AP_DESTROY (sev_es_validate_vmgexit). */
  exitRow(): ExitRow {
    return {
      exitCode: SVM_VMGEXIT_AP_CREATION,
      name: 'SVM_VMGEXIT_AP_CREATION',
      requires: (g) =>
        decodeApCreationInfo1(g.get('sw_exit_info_1')).request !== SVM_VMGEXIT_AP.DESTROY ? ['rax'] : [],
      handle: (ctx) =>
        this.apCreation(ctx.vcpu.index, ctx.exitInfo1, ctx.ghcb.get('sw_exit_info_2'), ctx.regs.rax),
    };
  }

  /** sev_snp_ap_creation: validate, record the VMSA, kick the target unless creation waits for INIT. */
  apCreation(from: number, info1: bigint, vmsaGpa: bigint, rax: bigint): ExitOutcome {
    const { request, apicId } = decodeApCreationInfo1(info1);
    const refuse = (why: string): ExitOutcome => {
      this.kvmLog(from, `vmgexit: ${why}`);
      return { kind: 'malformed', error: GHCB_ERR.INVALID_INPUT, why };
    };
    // kvm_get_vcpu_by_id: the APIC ID names a vCPU of this VM.
    const target = this.machine.hv.vcpus.find((v) => v.apicId === apicId);
    if (!target) return refuse(`invalid AP APIC ID [${hex(apicId)}] from guest`);
    let gpa: number | null;
    switch (request) {
      case SVM_VMGEXIT_AP.CREATE_ON_INIT:
      case SVM_VMGEXIT_AP.CREATE: {
        if (rax !== this.opts.vmsaFeatures)
          return refuse(
            `mismatched AP sev_features [${hex(rax)}] != [${hex(this.opts.vmsaFeatures)}] from guest`,
          );
        // page_address_valid, and (where KVM would find no backing page at update time) inside RAM.
        if (!this.pageInRam(vmsaGpa)) return refuse(`invalid AP VMSA address [${hex(vmsaGpa)}] from guest`);
        if (vmsaGpa % BigInt(PMD_SIZE) === 0n)
          return refuse(`AP VMSA address [${hex(vmsaGpa)}] from guest is unsafe as it is 2M aligned`);
        gpa = Number(vmsaGpa);
        break;
      }
      case SVM_VMGEXIT_AP.DESTROY:
        gpa = null;
        break;
      default:
        return refuse(`invalid AP creation request [${hex(request)}] from guest`);
    }
    this.targets.set(target.index, { vmsaGpa: gpa, waitingForReset: true, request });
    this.kvmLog(
      from,
      `${apRequestName(request)} for APIC ID ${apicId}${gpa === null ? '' : ` with VMSA ${hex(gpa)}`}`,
    );
    // Unless creation is deferred until INIT, signal the vCPU to update its state.
    if (request !== SVM_VMGEXIT_AP.CREATE_ON_INIT) this.updateProtectedState(target);
    return { kind: 'resume' };
  }

  private pageInRam(gpa: bigint): boolean {
    if (gpa % BigInt(PAGE_SIZE) !== 0n || gpa + BigInt(PAGE_SIZE) > BigInt(this.machine.memory.size))
      return false;
    return this.machine.memory.mmioAt(Number(gpa)) === undefined;
  }

  /**
   * sev_snp_init_protected_guest_state (KVM_REQ_UPDATE_PROTECTED_GUEST_STATE, or INIT after
   * AP_CREATE_ON_INIT): the vCPU stops; with a VMSA it is reset and runs from it.
   */
  updateProtectedState(target: HostVcpu): void {
    const t = this.targets.get(target.index);
    if (!t?.waitingForReset) return;
    t.waitingForReset = false;
    if (t.vmsaGpa === null) {
      target.setState('offline', 'AP_DESTROY: no VMSA to run');
      return;
    }
    // Why the machine and not the handle: loading the VMSA is the processor's VMRUN, which reads the
    // page with the guest key. The hypervisor only names the vCPU and the GPA; it sees no register.
    const r = vmrunFromVmsa(this.machine, target.index, t.vmsaGpa);
    if (!r.ok) {
      // KVM would report a failed VMRUN (KVM_EXIT_FAIL_ENTRY) to the VMM; here the AP stays offline.
      this.kvmLog(target.index, `VMRUN from VMSA ${hex(t.vmsaGpa)} failed (VMEXIT_INVALID): ${r.why}`);
      target.setState('offline', 'VMRUN failed');
      return;
    }
    target.makeRunnable(`${apRequestName(t.request)}: VMSA ${hex(t.vmsaGpa)}`);
  }
}
