/**
 * The decompressor image (asm/decompressor.S, built by scripts/build-asm.ts): a kexec'ed kernel's early
 * boot code that prints to COM1 and the VGA text buffer. `startDecompressor` loads it and starts it
 * directly on the BSP from real mode; a kexec path can instead load it and enter at its ELF entry.
 */
import { readFileSync } from 'node:fs';
import type { Machine } from '../../core/index.ts';
import { type KernelImage, loadKernelSegments, readKernelElf } from '../kexec/index.ts';
import { DECOMPRESSOR_SYMBOLS } from './decompressor.symbols.ts';

export const DECOMPRESSOR_ELF = new URL('./decompressor.elf', import.meta.url);

/** decompressor_status values (asm/decompressor.S). */
export const DECOMPRESSOR_STATUS = { notStarted: 0, started: 1, booted: 2 } as const;

/** The real-mode entry: CS = startup_16 >> 4, IP = 0 (decompressor.lds puts startup_16 first). */
const REAL_MODE_CS = DECOMPRESSOR_SYMBOLS.startup_16 >> 4;

export function readDecompressor(): { bytes: Uint8Array; image: KernelImage } {
  const bytes = new Uint8Array(readFileSync(DECOMPRESSOR_ELF));
  const r = readKernelElf(bytes);
  if (r.kind === 'error') throw new Error(`decompressor.elf is unreadable (${r.message}): rebuild it.`);
  return { bytes, image: r.image };
}

/** Copies the image into guest memory and points the BSP, in real mode, at startup_16. */
export function startDecompressor(machine: Machine): void {
  const bsp = machine.vcpu(0);
  if (bsp.cpu.mode() !== 'real')
    throw new Error(
      `the BSP is in ${bsp.cpu.mode()} mode: start the decompressor on a freshly built machine`,
    );
  const { bytes, image } = readDecompressor();
  loadKernelSegments(machine.memory, bytes, image);
  bsp.cpu.setReg('cs', REAL_MODE_CS);
  bsp.cpu.setReg('rip', DECOMPRESSOR_SYMBOLS.startup_16 - REAL_MODE_CS * 16);
}

/** decompressor_status as the guest left it. */
export const decompressorStatus = (machine: Machine): number =>
  machine.memory.read32(DECOMPRESSOR_SYMBOLS.decompressor_status);
