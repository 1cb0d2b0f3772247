/** The kexec plugin's public surface (so far: kernel images and the test kernels' boot protocol). */
export * from './boot-info.ts';
export {
  type ElfLoadSegment,
  type ElfReadOptions,
  type ElfReadResult,
  type ElfSymbol,
  type GuestMemoryWriter,
  type KernelImage,
  loadKernelSegments,
  readKernelElf,
  SYMBOL_TYPES,
  type SymbolType,
  symbolValue,
} from './elf.ts';
export { KERNEL_A_SYMBOLS } from './kernels/kernel_a.symbols.ts';
export { KERNEL_B_SYMBOLS } from './kernels/kernel_b.symbols.ts';
export { type LoadedKernelFile, readTestKernel, TEST_KERNELS } from './kernels.ts';
