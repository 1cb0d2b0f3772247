import {
  cpuidResp,
  decodeCpuidReq,
  decodeTermReq,
  GHCB_MSR,
  hvFeaturesResp,
  SNP_ONLY_MSR_REQUESTS,
  sevInfoResp,
} from '../sev/msr-protocol.ts';
import { GHCB_SEV_ES_GEN_REQ, SEV_TERM_SET_GEN } from '../sev/termination.ts';
import type { HostVcpu } from './host-vcpu.ts';
import type { Hypervisor } from './hypervisor.ts';

export interface MsrProtocolContext {
  hv: Hypervisor;
  /** The requesting vCPU as KVM sees it; the response is the return value, not a register write. */
  vcpu: HostVcpu;
  /** The request value the guest left in the GHCB MSR. */
  value: bigint;
}

/**
 * A handler for one GHCBInfo request code. Returns the new GHCB MSR value, `null` to leave it
 * unchanged and claim the request, or `undefined` to pass it on to the next handler.
 */
export interface MsrProtocolHandler {
  code: number;
  name: string;
  handle(ctx: MsrProtocolContext): bigint | null | undefined;
}

const CPUID_REGS = ['eax', 'ebx', 'ecx', 'edx'] as const;

/** KVM sev_handle_vmgexit_msr_protocol, one row per request code. Unknown codes: MSR unchanged. */
export const msrProtocolRows: readonly MsrProtocolHandler[] = [
  {
    code: GHCB_MSR.SEV_INFO_REQ,
    name: 'SEV information',
    handle: ({ hv }) => {
      const lie = hv.config.hostile.sevInfo;
      if (lie) return sevInfoResp(lie.max, lie.min, lie.cbit ?? hv.config.cbit);
      return sevInfoResp(hv.config.protocolMax, hv.config.protocolMin, hv.config.cbit);
    },
  },
  {
    code: GHCB_MSR.CPUID_REQ,
    name: 'CPUID',
    // Why: the MSR protocol has no subleaf field; KVM forces it to 0.
    handle: ({ hv, vcpu, value }) => {
      const { fn, reg } = decodeCpuidReq(value);
      return cpuidResp(hv.cpuid(vcpu, fn, 0)[CPUID_REGS[reg]]);
    },
  },
  {
    code: GHCB_MSR.AP_RESET_HOLD_REQ,
    name: 'AP reset hold',
    // Why: the AP reset hold by MSR is a protocol-v2 request; a v1 VM does not know it (MSR unchanged).
    handle: ({ hv, vcpu }) => {
      if (hv.config.protocolMax < 2) return undefined;
      hv.holdMsrForm(vcpu);
      return BigInt(GHCB_MSR.AP_RESET_HOLD_RESP);
    },
  },
  {
    code: GHCB_MSR.HV_FT_REQ,
    name: 'hypervisor features',
    handle: ({ hv }) => (hv.config.protocolMax < 2 ? undefined : hvFeaturesResp(hv.config.hvFeatures)),
  },
  {
    code: GHCB_MSR.TERM_REQ,
    name: 'termination',
    handle: ({ hv, vcpu, value }) => {
      const { set, code } = decodeTermReq(value);
      hv.terminate(vcpu, set, code, 'GHCB_MSR_TERM_REQ');
      return null;
    },
  },
  ...[...SNP_ONLY_MSR_REQUESTS].map(
    (code): MsrProtocolHandler => ({
      code,
      name: 'SNP-only request',
      // Why: page-state and GHCB-GPA requests exist only for SEV-SNP; an SEV-ES VM sending one is stopped.
      handle: ({ hv, vcpu }) => {
        hv.terminate(
          vcpu,
          SEV_TERM_SET_GEN,
          GHCB_SEV_ES_GEN_REQ,
          `SNP-only MSR request 0x${code.toString(16).padStart(3, '0')} from an SEV-ES VM`,
          'SNP-only MSR protocol request from an SEV-ES guest',
        );
        return null;
      },
    }),
  ),
];
