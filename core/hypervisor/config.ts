/** Hypervisor knobs a machine is built with (scenario `hypervisor:` section). */
export interface HostileBehaviour {
  /** Answer SEV_INFO_REQ with these fields instead of the real range (a lying hypervisor). */
  sevInfo?: { min: number; max: number; cbit?: number };
  /** Answer MSR-protocol request code `request` with the raw value `response` (e.g. the request echoed). */
  msrResponses?: ReadonlyArray<{ request: number; response: bigint }>;
  /** AP_JUMP_TABLE GET answers this GPA instead of the stored one. */
  apJumpTableGet?: number;
  /** Release AP reset holds on wake-ups that are not SIPIs, with result 0 (the guest must hold again). */
  spuriousHoldRelease?: boolean;
  /** Drop the n-th SIPI (0-based, counted over the whole VM). */
  dropSipi?: ReadonlyArray<number>;
  /** After CPUID exits, do not mark these output registers valid (the guest must call it a VMM error). */
  cpuidUnmarkedOutputs?: ReadonlyArray<'rax' | 'rbx' | 'rcx' | 'rdx'>;
  /** Answer every exit of this code with an exception request (sw_exit_info_1 = 1, info_2 = this value). */
  injectException?: { exitCode: number; eventInjection: bigint };
}

export interface HypervisorConfig {
  sev: 'none' | 'es';
  /** GHCB protocol range the hypervisor supports (KVM: min 1, max = per-VM version). */
  protocolMin: number;
  protocolMax: number;
  /** C-bit position reported in the SEV information response. */
  cbit: number;
  /** Feature bitmap answered to HV_FT_REQ / SVM_VMGEXIT_HV_FEATURES. */
  hvFeatures: bigint;
  hostile: HostileBehaviour;
}

export const defaultHypervisorConfig = (sev: 'none' | 'es'): HypervisorConfig => ({
  sev,
  protocolMin: 1,
  protocolMax: 2,
  cbit: 51,
  hvFeatures: 0n,
  hostile: {},
});
