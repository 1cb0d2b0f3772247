/**
 * Guest accesses that land in an MMIO range go to its device in pieces of at most 8 bytes, as KVM's
 * vcpu_mmio_read/vcpu_mmio_write split them.
 */
import type { Segment } from './address-map.ts';
import { bigintToLe, leToBigint } from './le-bytes.ts';

const MMIO_PIECE = 8;

type MmioSegment = Extract<Segment, { kind: 'mmio' }>;

export function mmioRead(seg: MmioSegment, dst: Uint8Array): void {
  for (let done = 0; done < dst.length; done += MMIO_PIECE) {
    const n = Math.min(MMIO_PIECE, dst.length - done);
    // Only the asked bytes count, whatever the device returns (KVM kvm_sev_es_mmio_read, arch/x86/kvm/x86.c).
    dst.set(bigintToLe(seg.range.device.read(seg.gpa - seg.range.base + done, n), n), done);
  }
}

export function mmioWrite(seg: MmioSegment, src: Uint8Array): void {
  for (let done = 0; done < src.length; done += MMIO_PIECE) {
    const n = Math.min(MMIO_PIECE, src.length - done);
    seg.range.device.write(seg.gpa - seg.range.base + done, n, leToBigint(src.subarray(done, done + n)));
  }
}
