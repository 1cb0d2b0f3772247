import type { GuestMemory } from '../memory/guest-memory.ts';

/**
 * Guest memory as the host reaches it: its own mapping of RAM (ciphertext for private pages) and the
 * device models behind MMIO ranges. There is deliberately no plaintext read of RAM here: under SEV-ES
 * the hypervisor has none.
 */
export interface HostMemory {
  readonly size: number;
  hvRead(gpa: number, length: number): Uint8Array;
  hvWrite(gpa: number, bytes: Uint8Array): void;
  /**
   * The page at a page-aligned GPA, in place, when it is shared RAM: guest and host map the same
   * bytes there, so the host may read and write them directly. undefined for private pages, MMIO and
   * GPAs outside RAM (use hvRead/hvWrite).
   */
  sharedPage(gpa: number): Uint8Array | undefined;
  mmioAt(gpa: number): unknown;
  /** Device access; throws unless [gpa, gpa + length) lies in one MMIO range. */
  deviceRead(gpa: number, length: number): Uint8Array;
  deviceWrite(gpa: number, bytes: Uint8Array): void;
}

export function hostMemory(memory: GuestMemory): HostMemory {
  const device = (gpa: number, length: number) => {
    const r = memory.mmioAt(gpa);
    if (!r || memory.mmioAt(gpa + length - 1)?.base !== r.base)
      throw new Error(`0x${gpa.toString(16)}+${length} is not inside one MMIO range`);
  };
  return {
    size: memory.size,
    hvRead: (gpa, length) => memory.hvRead(gpa, length),
    hvWrite: (gpa, bytes) => memory.hvWrite(gpa, bytes),
    sharedPage: (gpa) => {
      if (gpa % 4096 !== 0 || gpa < 0 || gpa + 4096 > memory.size || memory.mmioAt(gpa)) return undefined;
      return memory.isEncrypted(gpa) ? undefined : memory.ramPage(gpa / 4096, true);
    },
    mmioAt: (gpa) => memory.mmioAt(gpa),
    deviceRead: (gpa, length) => {
      device(gpa, length);
      return memory.read(gpa, length);
    },
    deviceWrite: (gpa, bytes) => {
      device(gpa, bytes.length);
      memory.write(gpa, bytes);
    },
  };
}
