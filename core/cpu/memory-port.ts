/**
 * What the interpreter needs from guest memory: the part of `GuestMemory` (core/memory) a vCPU uses.
 * Kept structural so the CPU and its tests depend on no more than this.
 */
export interface CpuMemory {
  /** The 4 KiB plaintext page of frame `gfn`; undefined when the frame is not RAM (MMIO, a hole). */
  ramPage(gfn: number, create: boolean): Uint8Array | undefined;
  /** The MMIO range holding `gpa`, or undefined. */
  mmioAt(gpa: number): unknown;
}
