/**
 * Kernel images the plugin accepts: the shipped test kernels by letter, or an ELF64 file that follows
 * their boot protocol (boot_info.inc) and exports the symbols the model needs.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readKernelElf } from './elf.ts';
import { readTestKernel } from './kernels.ts';
import type { KernelFile } from './session.ts';

/** Symbols the loader, the installer and the kexec model read from an image. */
export const REQUIRED_SYMBOLS = [
  'kernel_id',
  'trampoline_start',
  'sev_es_trampoline_start',
  'sev_ap_park_gdt',
  'sev_ap_jumptable_blob_installed',
] as const;

export type ImageResult = { ok: true; file: KernelFile } | { ok: false; message: string };

/** `a`, `b` (the test kernels) or a path, resolved against `baseDir`. */
export function readKernelImage(name: string, baseDir: string, memorySize: number): ImageResult {
  const letter = name.toUpperCase();
  if (letter === 'A' || letter === 'B')
    return { ok: true, file: { name: letter, ...readTestKernel(letter) } };
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(resolve(baseDir, name)));
  } catch (e) {
    return { ok: false, message: `cannot read ${name}: ${(e as Error).message}` };
  }
  const r = readKernelElf(bytes, { memorySize });
  if (r.kind === 'error') return { ok: false, message: `${name}: ${r.message}` };
  const missing = REQUIRED_SYMBOLS.filter((s) => !r.image.symbols.some((x) => x.name === s));
  if (missing.length)
    return {
      ok: false,
      message: `${name} lacks the symbol${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: build it from plugins/kexec/kernels/kernel.S`,
    };
  return { ok: true, file: { name, bytes, image: r.image } };
}
