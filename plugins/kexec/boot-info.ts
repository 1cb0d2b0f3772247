/**
 * The test kernels' boot info block (asm twin: kernels/boot_info.inc, which documents the protocol):
 * the kernel is entered at e_entry in 64-bit mode with RSI = the block's GPA, like Linux's boot_params.
 */
export const BOOT_INFO = {
  /** u64 in: AP jump table GPA, 0 = none. */
  jumpTableGpa: 0x00,
  /** u32 in: number of CPUs; APIC IDs 0..n-1, BSP 0. */
  nrCpus: 0x08,
  /** u32 in: BOOT_INFO_FLAGS. */
  flags: 0x0c,
  /** u64 in: GPA of u8 online[nrCpus]. */
  onlineFlags: 0x10,
  /** u32 out: signature of the kernel that booted last. */
  signature: 0x18,
  /** u32 out: last report word (also OUT to REPORT_PORT). */
  result: 0x1c,
  /** u32 in: polled by the BSP after bring-up; the kernel writes CMD_NONE back when done. */
  command: 0x20,
  /** u32 in: the CPU number of cpuDown / cpuUp. */
  arg: 0x24,
  /** u64 in: entry of the next image, polled by the BSP after CMD_KEXEC stopped the APs. */
  kexecEntry: 0x28,
  /** u64 in: the kexec control page the old kernel copies relocate_kernel into and runs it from. */
  kexecControl: 0x30,
  /** u64 in: the identity page table relocate_kernel switches to, outside every kernel image. */
  kexecPgd: 0x38,
  size: 0x40,
} as const;

export const BOOT_INFO_FLAGS = { sevEs: 0x1 } as const;
export const BOOT_COMMAND = { none: 0, kexec: 1, cpuDown: 2, cpuUp: 3 } as const;
/** 32-bit OUT port of the report: the POST diagnostic port (not isa-debug-exit, which ends the run). */
export const REPORT_PORT = 0x80;
export const REPORT_EVENT = { smpBooted: 1, cpusStopped: 2, cpuDown: 3, cpuUp: 4 } as const;
/** CONFIG_NR_CPUS of the test kernels: more CPUs are clamped. */
export const KERNEL_NR_CPUS = 4096;

/** The kernel's signature word: "KRN" + its id letter, little-endian. */
export function kernelSignature(id: 'A' | 'B' | 'C'): number {
  return (0x004e524b | (id.charCodeAt(0) << 24)) >>> 0;
}

export interface BootInfo {
  jumpTableGpa: bigint;
  nrCpus: number;
  sevEs: boolean;
  onlineFlagsGpa: number;
  kexecControlGpa: number;
  kexecPgdGpa: number;
}

/** The block as the loader writes it; output fields and commands start at zero. */
export function encodeBootInfo(info: BootInfo): Uint8Array {
  const out = new Uint8Array(BOOT_INFO.size);
  const v = new DataView(out.buffer);
  v.setBigUint64(BOOT_INFO.jumpTableGpa, info.jumpTableGpa, true);
  v.setUint32(BOOT_INFO.nrCpus, info.nrCpus, true);
  v.setUint32(BOOT_INFO.flags, info.sevEs ? BOOT_INFO_FLAGS.sevEs : 0, true);
  v.setBigUint64(BOOT_INFO.onlineFlags, BigInt(info.onlineFlagsGpa), true);
  v.setBigUint64(BOOT_INFO.kexecControl, BigInt(info.kexecControlGpa), true);
  v.setBigUint64(BOOT_INFO.kexecPgd, BigInt(info.kexecPgdGpa), true);
  return out;
}

/** A report word split into its fields: bits 31:24 kernel id, 23:16 event, 15:0 CPUs online. */
export interface KernelReport {
  kernelId: string;
  event: number;
  cpusOnline: number;
}

export function decodeReport(word: number): KernelReport {
  return {
    kernelId: String.fromCharCode(word >>> 24),
    event: (word >>> 16) & 0xff,
    cpusOnline: word & 0xffff,
  };
}
