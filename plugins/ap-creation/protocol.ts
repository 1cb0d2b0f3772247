/**
 * The SNP AP Creation NAE event (SVM_VMGEXIT_AP_CREATION 0x80000013), GHCB spec 2.03 section 4.1.8,
 * adapted to an SEV-ES machine. The guest asks the hypervisor to start (or stop) a vCPU from a VMSA page
 * the guest wrote itself, instead of parking APs in the AP jump table.
 *
 *   SW_EXITINFO1[31:0]   request: 0 AP_CREATE_ON_INIT, 1 AP_CREATE, 2 AP_DESTROY
 *   SW_EXITINFO1[63:32]  APIC ID of the target vCPU
 *   SW_EXITINFO2         GPA of the VMSA page (ignored by AP_DESTROY)
 *   RAX                  SEV_FEATURES of the new VMSA (not needed by AP_DESTROY)
 *
 * Advertised through hypervisor feature bit 1, GHCB_HV_FT_SNP_AP_CREATION.
 */
import { GHCB_HV_FT, SVM_VMGEXIT } from '../../core/index.ts';

export const SVM_VMGEXIT_AP_CREATION = SVM_VMGEXIT.AP_CREATION;
export const GHCB_HV_FT_SNP_AP_CREATION = GHCB_HV_FT.SNP_AP_CREATION;

/** SW_EXITINFO1[31:0] requests (svm.h SVM_VMGEXIT_AP_CREATE_ON_INIT / _CREATE / _DESTROY). */
export const SVM_VMGEXIT_AP = {
  CREATE_ON_INIT: 0,
  CREATE: 1,
  DESTROY: 2,
} as const;
export type ApRequest = (typeof SVM_VMGEXIT_AP)[keyof typeof SVM_VMGEXIT_AP];

/** The words the REPL command and the scenario step use for each request. */
export const AP_REQUEST_WORDS = {
  'create-on-init': SVM_VMGEXIT_AP.CREATE_ON_INIT,
  create: SVM_VMGEXIT_AP.CREATE,
  destroy: SVM_VMGEXIT_AP.DESTROY,
} as const satisfies Record<string, ApRequest>;
export type ApRequestWord = keyof typeof AP_REQUEST_WORDS;

export const apRequestName = (request: number): string =>
  (['AP_CREATE_ON_INIT', 'AP_CREATE', 'AP_DESTROY'] as const)[request] ?? `request ${request}`;

/** SW_EXITINFO1: ((u64)apic_id << 32) | request (vmgexit_ap_control). */
export const apCreationInfo1 = (apicId: number, request: number): bigint =>
  (BigInt(apicId >>> 0) << 32n) | BigInt(request >>> 0);

export const decodeApCreationInfo1 = (info1: bigint): { request: number; apicId: number } => ({
  request: Number(info1 & 0xffff_ffffn),
  apicId: Number((info1 >> 32n) & 0xffff_ffffn),
});
