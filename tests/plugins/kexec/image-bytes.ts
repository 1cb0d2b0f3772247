/** Bytes of a loaded kernel image at a physical address, read through its PT_LOAD segments. */
import type { KernelImage } from '../../../plugins/kexec/elf.ts';

export function imageBytes(file: Uint8Array, image: KernelImage, paddr: number, length: number): Uint8Array {
  const s = image.segments.find((seg) => paddr >= seg.paddr && paddr + length <= seg.paddr + seg.filesz);
  if (!s) throw new Error(`No segment holds file bytes for [0x${paddr.toString(16)}, +${length}).`);
  const at = s.offset + (paddr - s.paddr);
  return file.subarray(at, at + length);
}
