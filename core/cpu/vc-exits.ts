/**
 * SEV-ES: the SVM exit codes that hardware turns into #VC (vector 29) with the exit code as the error
 * code (GHCB spec section 4.1 / AMD APM Vol. 2, 15.35 "SEV-ES"): one table, shared with the guest and
 * hypervisor models.
 */
export { SVM_EXIT } from '../sev/exit-codes.ts';

/** MSR numbers the CPU keeps itself (AMD APM Vol. 2, appendix A). */
export const MSR = {
  TSC: 0x10,
  APIC_BASE: 0x1b,
  SYSENTER_CS: 0x174,
  SYSENTER_ESP: 0x175,
  SYSENTER_EIP: 0x176,
  PAT: 0x277,
  EFER: 0xc0000080,
  STAR: 0xc0000081,
  LSTAR: 0xc0000082,
  CSTAR: 0xc0000083,
  SFMASK: 0xc0000084,
  FS_BASE: 0xc0000100,
  GS_BASE: 0xc0000101,
  KERNEL_GS_BASE: 0xc0000102,
  TSC_AUX: 0xc0000103,
  /** MSR_AMD64_SEV_ES_GHCB: kept per vCPU by hardware, never an exit (GHCB spec 2.3.1). */
  GHCB: 0xc0010130,
} as const;

/**
 * MSRs that RDMSR/WRMSR reach without any exit, SEV-ES or not: SEV-ES hardware swaps these with the
 * VMSA (APM Vol. 2, table B-4 "VMSA layout"), so a guest access never traps. Every other MSR is
 * a #VC(MSR) under SEV-ES and a Platform call otherwise.
 */
export const ARCH_MSRS: ReadonlySet<number> = new Set<number>([
  MSR.EFER,
  MSR.STAR,
  MSR.LSTAR,
  MSR.CSTAR,
  MSR.SFMASK,
  MSR.FS_BASE,
  MSR.GS_BASE,
  MSR.KERNEL_GS_BASE,
  MSR.TSC_AUX,
  MSR.SYSENTER_CS,
  MSR.SYSENTER_ESP,
  MSR.SYSENTER_EIP,
  MSR.PAT,
  MSR.GHCB,
]);

/** EFER bits (APM Vol. 2, 3.1.7). */
export const EFER = { SCE: 0x1, LME: 0x100, LMA: 0x400, NXE: 0x800 } as const;

/** CR0 and CR4 bits the interpreter acts on (APM Vol. 2, 3.1.1 and 3.1.3). */
export const CR0 = {
  PE: 0x1,
  MP: 0x2,
  EM: 0x4,
  TS: 0x8,
  ET: 0x10,
  NE: 0x20,
  WP: 0x10000,
  AM: 0x40000,
} as const;
export const CR0_PG = 0x80000000;
export const CR4 = { PSE: 0x10, PAE: 0x20, PGE: 0x80, OSFXSR: 0x200, PCIDE: 0x20000 } as const;
