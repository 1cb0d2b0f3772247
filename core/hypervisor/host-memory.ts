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
