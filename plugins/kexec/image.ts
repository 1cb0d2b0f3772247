/**
 * Kernel images the plugin accepts: the shipped test kernels by letter, or an ELF64 file. One that
 * follows their boot protocol (boot_info.inc) exports the symbols the model needs; any other image is
 * foreign: kexec can enter it, and it then runs on its own.
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

/** `a`, `b`, `c` (the test kernels) or a path, resolved against `baseDir`. */
export function readKernelImage(name: string, baseDir: string, memorySize: number): ImageResult {
  const letter = name.toUpperCase();
  if (letter === 'A' || letter === 'B' || letter === 'C')
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
  return { ok: true, file: { name, bytes, image: r.image, ...(missing.length ? { foreign: missing } : {}) } };
}

/** Why `boot` cannot start a foreign image (it only speaks to kernels built from kernel.S). */
export const foreignBootRefusal = (f: KernelFile & { foreign: readonly string[] }): string =>
  `${f.name} lacks the symbol${f.foreign.length > 1 ? 's' : ''} ${f.foreign.join(', ')} of the test ` +
  "kernels' boot protocol: boot a kernel built from plugins/kexec/kernels/kernel.S, or kexec into this image";
