/**
 * A device behind a guest-physical MMIO range. `offset` is relative to the range's base; `size` is the
 * access width in bytes (1 to 8: KVM's vcpu_mmio_read/vcpu_mmio_write hand devices pieces of at most
 * 8 bytes). A read returns the value little endian in the low `size` bytes; callers keep only those.
 */
export interface MmioDevice {
  readonly name: string;
  read(offset: number, size: number): bigint;
  write(offset: number, size: number, value: bigint): void;
  /** A copy of the device's registers and buffers, kept in machine snapshots (optional). */
  snapshot?(): unknown;
  /** Puts back what `snapshot` returned (machine restore). */
  restore?(saved: unknown): void;
}
