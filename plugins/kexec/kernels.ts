/**
 * The shipped test kernels (kernels/kernel_a.elf, kernel_b.elf, kernel_c.elf), built by scripts/build-asm.ts from
 * kernels/kernel.S and ../jump-table/asm/sev_ap_park.S.
 */
import { readFileSync } from 'node:fs';
import { type KernelImage, readKernelElf } from './elf.ts';

export const TEST_KERNELS = {
  A: new URL('./kernels/kernel_a.elf', import.meta.url),
  B: new URL('./kernels/kernel_b.elf', import.meta.url),
  C: new URL('./kernels/kernel_c.elf', import.meta.url),
} as const;

export interface LoadedKernelFile {
  bytes: Uint8Array;
  image: KernelImage;
}

export function readTestKernel(id: keyof typeof TEST_KERNELS): LoadedKernelFile {
  const bytes = new Uint8Array(readFileSync(TEST_KERNELS[id]));
  const r = readKernelElf(bytes);
  if (r.kind === 'error') throw new Error(`Test kernel ${id} is unreadable (${r.message}): rebuild it.`);
  return { bytes, image: r.image };
}
