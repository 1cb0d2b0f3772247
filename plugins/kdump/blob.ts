/**
 * The shipped crash code blob (asm/crash_nmi.S, built by scripts/build-asm.ts) and the capture
 * kernel image (asm/capture_kernel.S), with their data slots by symbol.
 */
import { readFileSync } from 'node:fs';
import { BOOT_INFO, type KernelImage, readKernelElf } from '../kexec/index.ts';
import { CAPTURE_KERNEL_SYMBOLS } from './capture_kernel.symbols.ts';
import { CRASH_NMI_SYMBOLS } from './crash_nmi.symbols.ts';

export { CAPTURE_KERNEL_SYMBOLS, CRASH_NMI_SYMBOLS };

export const CRASH_NMI_PATH = new URL('./crash_nmi.bin', import.meta.url);
export const CAPTURE_KERNEL_PATH = new URL('./capture_kernel.elf', import.meta.url);

/** "KDMP": the capture kernel's BI_SIGNATURE (asm: CAPTURE_SIGNATURE). */
export const CAPTURE_SIGNATURE = 0x504d444b;

/** The capture kernel's fields after the test kernels' boot info block (asm: CBI_*). */
export const CAPTURE_BOOT_INFO = {
  /** u64 in: the low page for the real-mode trampoline; 0 keeps the capture kernel on one CPU. */
  trampoline: BOOT_INFO.size,
  /** u64 in: the identity map in the crashkernel region, for the trampoline's CR3. */
  pageTable: BOOT_INFO.size + 8,
  size: BOOT_INFO.size + 16,
} as const;

/** The oops entries by vector: die() for the exceptions the test kernels leave unhandled. */
export const OOPS_ENTRIES: readonly {
  vector: number;
  symbol: keyof typeof CRASH_NMI_SYMBOLS;
  name: string;
}[] = [
  { vector: 0, symbol: 'crash_die_de', name: '#DE' },
  { vector: 6, symbol: 'crash_die_ud', name: '#UD' },
  { vector: 13, symbol: 'crash_die_gp', name: '#GP' },
  { vector: 14, symbol: 'crash_die_pf', name: '#PF' },
];

export function crashNmiBlob(): Uint8Array {
  return new Uint8Array(readFileSync(CRASH_NMI_PATH));
}

export function captureKernel(): { bytes: Uint8Array; image: KernelImage } {
  const bytes = new Uint8Array(readFileSync(CAPTURE_KERNEL_PATH));
  const r = readKernelElf(bytes);
  if (r.kind === 'error') throw new Error(`The capture kernel is unreadable (${r.message}): rebuild it.`);
  return { bytes, image: r.image };
}
