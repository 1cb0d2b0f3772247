import type { CpuidResult } from '../cpu/platform.ts';

/**
 * The CPUID the hypervisor reports, as data. An AMD Zen-like part: vendor AuthenticAMD, long mode, NX,
 * x2APIC, and leaf 0x8000001F with SEV/SEV-ES and the C-bit position.
 * Leaf layouts: AMD APM Vol. 3, appendix E.
 */
interface CpuidView {
  apicId: number;
  vcpuCount: number;
  sevEs: boolean;
  cbit: number;
}

const AMD_VENDOR = { ebx: 0x68747541, edx: 0x69746e65, ecx: 0x444d4163 }; // "Auth" "enti" "cAMD"

const LEAVES: Record<number, (v: CpuidView, subleaf: number) => CpuidResult> = {
  0: () => ({ eax: 0xd, ...AMD_VENDOR }),
  // EAX family 17h model 31h; EBX[31:24] initial APIC ID, [23:16] logical processor count, [15:8] CLFLUSH
  // line size / 8; ECX bit 21 x2APIC; EDX FPU TSC MSR PAE CX8 APIC CMOV CLFSH FXSR SSE SSE2.
  1: (v) => ({
    eax: 0x00830f10,
    ebx: (((v.apicId & 0xff) << 24) | (Math.min(v.vcpuCount, 255) << 16) | (8 << 8)) >>> 0,
    ecx: 1 << 21,
    edx: 0x0788_8371,
  }),
  // Extended topology: EDX = x2APIC ID of this vCPU.
  11: (v, sub) => ({ eax: 0, ebx: 0, ecx: sub & 0xff, edx: v.apicId >>> 0 }),
  2147483648: () => ({ eax: 0x8000_001f, ...AMD_VENDOR }),
  // EDX bit 29 LM, bit 20 NX, bit 11 SYSCALL.
  2147483649: () => ({ eax: 0x00830f10, ebx: 0, ecx: 0, edx: (1 << 29) | (1 << 20) | (1 << 11) }),
  // EAX bit 1 SEV, bit 3 SEV-ES; EBX[5:0] C-bit position, [11:6] physical address bit reduction.
  2147483679: (v) => ({
    eax: v.sevEs ? 0b1010 : 0,
    ebx: v.sevEs ? (v.cbit & 0x3f) | (5 << 6) : 0,
    ecx: 0,
    edx: 0,
  }),
};

export function cpuidFor(view: CpuidView, leaf: number, subleaf: number): CpuidResult {
  const fn = LEAVES[leaf >>> 0];
  return fn ? fn(view, subleaf) : { eax: 0, ebx: 0, ecx: 0, edx: 0 };
}
