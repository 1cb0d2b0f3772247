/**
 * What a vCPU reaches outside itself. The machine supplies one Platform per vCPU; the interpreter
 * never talks to devices or the hypervisor any other way.
 *
 * Under `sev: none` the interpreter performs intercepted operations (CPUID, IN/OUT, RDMSR/WRMSR of
 * non-architectural MSRs, MMIO) by calling the Platform directly, the way KVM emulates them for a
 * plain VM. Under `sev: es` the same operations raise #VC (vector 29) instead and the Platform is only
 * used for what hardware does without an exit (RAM, the GHCB MSR).
 */
export interface CpuidResult {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}

export interface Platform {
  cpuid(leaf: number, subleaf: number): CpuidResult;
  /** undefined: the MSR does not exist (the interpreter raises #GP(0)). */
  rdmsr(msr: number): bigint | undefined;
  /** false: the write is refused (the interpreter raises #GP(0)). */
  wrmsr(msr: number, value: bigint): boolean;
  ioIn(port: number, size: 1 | 2 | 4): number;
  ioOut(port: number, size: 1 | 2 | 4, value: number): void;
  /** MMIO by guest physical address; size 1, 2, 4 or 8. */
  mmioRead(gpa: number, size: number): bigint;
  mmioWrite(gpa: number, size: number, value: bigint): void;
  /**
   * VMMCALL in a plain VM: the hypervisor's hypercall, number in RAX; returns the new RAX. Absent: no
   * hypercall interface, and VMMCALL raises #UD.
   */
  vmmcall?(rax: bigint): bigint;
}
