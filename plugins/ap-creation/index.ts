/**
 * Plugin `ap-creation`: the SNP AP Creation NAE event (SVM_VMGEXIT_AP_CREATION, GHCB spec 2.03
 * section 4.1.8) on an SEV-ES machine, end to end, as a plugin only:
 *
 *   hypervisor  hypervisor.ts  KVM's validation and error codes; the feature bit (HV features bit 1)
 *   processor   vmrun.ts       loading the new vCPU from its VMSA page at VMRUN
 *   guest       guest.ts       the kernel's wakeup_cpu_via_vmgexit / vmgexit_ap_control
 *   users       command.ts     REPL `ap-create`;  step.ts  scenario step `ap-create`
 *
 * Core's allow-list has no row for 0x80000013 on SEV-ES, so core answers GHCB_ERR_INVALID_EVENT; this
 * plugin takes the exit code over (`override`) and nothing else changes. It is the road mainline Linux
 * and KVM took for SNP, instead of parking APs in the AP jump table.
 */
import { definePlugin } from '../../core/index.ts';
import { apCreateCommand } from './command.ts';
import { ApCreationGuest } from './guest.ts';
import { ApCreationHost } from './hypervisor.ts';
import { parseBounded, parseInteger } from './numbers.ts';
import { GHCB_HV_FT_SNP_AP_CREATION } from './protocol.ts';
import { apCreateStep } from './step.ts';

export interface ApCreationOptions {
  /**
   * SEV_FEATURES the VM was launched with (KVM sev->vmsa_features): the value every AP_CREATE must carry
   * in RAX, and what the guest puts in its VMSAs (sev_status >> 2, which is 0 on SEV-ES). Default 0.
   */
  sevFeatures?: number | bigint | string;
  /** Start of the guest's VMSA area, 8 KiB aligned: 8 KiB per APIC ID. Default 0x800000. */
  vmsaBase?: number | string;
  /** Do not set GHCB_HV_FT_SNP_AP_CREATION (a hypervisor that handles the event but hides it). */
  hideFeature?: boolean;
  /**
   * Load only the guest side (the helpers, the command and the step): a guest on a hypervisor that
   * knows nothing of the event, whatever feature bits that hypervisor claims.
   */
  guestOnly?: boolean;
}

export const DEFAULT_VMSA_BASE = 0x80_0000;

function readOptions(o: ApCreationOptions): {
  sevFeatures: bigint;
  vmsaBase: number;
  hideFeature: boolean;
  guestOnly: boolean;
} {
  const sevFeatures = o.sevFeatures === undefined ? 0n : parseInteger(o.sevFeatures);
  if (sevFeatures === null || sevFeatures < 0n || sevFeatures >= 1n << 64n)
    throw new Error(
      `option sevFeatures ${JSON.stringify(String(o.sevFeatures))} is not a 64-bit number; example: {sevFeatures: 0}`,
    );
  const vmsaBase = o.vmsaBase === undefined ? DEFAULT_VMSA_BASE : parseBounded(o.vmsaBase, 2 ** 52 - 1);
  if (vmsaBase === null || vmsaBase % 0x2000 !== 0)
    throw new Error(
      `option vmsaBase ${JSON.stringify(String(o.vmsaBase))} is not an 8 KiB-aligned address; example: {vmsaBase: 0x800000}`,
    );
  return { sevFeatures, vmsaBase, hideFeature: o.hideFeature === true, guestOnly: o.guestOnly === true };
}

export const apCreationPlugin = definePlugin<ApCreationOptions>({
  optionKeys: ['sevFeatures', 'vmsaBase', 'hideFeature', 'guestOnly'],
  name: 'ap-creation',
  setup(api, options) {
    const o = readOptions(options ?? {});
    const host = new ApCreationHost(api.machine, { vmsaFeatures: o.sevFeatures });
    const guest = new ApCreationGuest(api.machine, o.vmsaBase, o.sevFeatures);
    // KVM's per-vCPU snp_vmsa_gpa / snp_ap_waiting_for_reset and the kernel's sev_vmsa live outside
    // guest memory: a restored machine must not keep a request the restore undid.
    api.onSnapshot(host.snapshotState());
    api.onSnapshot(guest.snapshotState());
    if (!o.guestOnly) {
      // Core refuses 0x80000013 for SEV-ES (no allow-list row: GHCB_ERR_INVALID_EVENT); take it over.
      api.onVmgexit(host.exitRow(), { override: true });
      // AP_CREATE_ON_INIT: the pending VMSA is loaded when the AP next accepts an INIT.
      api.onInit((vcpu) => host.updateProtectedState(vcpu));
      if (!o.hideFeature) api.advertiseFeatures(GHCB_HV_FT_SNP_AP_CREATION);
    }
    api.addCommand(apCreateCommand(host, guest));
    api.addStep(apCreateStep(guest));
  },
});

export default apCreationPlugin;
export { AP_INIT, apInitVmsa, INIT_ATTRIBS } from './ap-init-vmsa.ts';
export { type ApControlResult, ApCreationGuest, type WakeupRequest } from './guest.ts';
export { ApCreationHost, type TargetState } from './hypervisor.ts';
export * from './protocol.ts';
export { vmrunFromVmsa } from './vmrun.ts';
export { decodeVmsa, emptyVmsa, encodeVmsa, VMSA_FIELDS, VMSA_SEGMENTS, type Vmsa } from './vmsa.ts';
