/** The kexec plugin's public surface (so far: kernel images and the test kernels' boot protocol). */

export * from './actions.ts';
export * from './boot-info.ts';
export { blobCommand, bootCommand, cpuCommand, kexecCommand } from './commands.ts';
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
export { type FirmwareOutcome, firmwareParkAps } from './firmware.ts';
export { cpuHotplug, type HotplugOutcome } from './hotplug.ts';
export { type ImageResult, REQUIRED_SYMBOLS, readKernelImage } from './image.ts';
export { type BootOutcome, bootKernel, installBlob } from './kernel-boot.ts';
export { KERNEL_A_SYMBOLS } from './kernels/kernel_a.symbols.ts';
export { KERNEL_B_SYMBOLS } from './kernels/kernel_b.symbols.ts';
export { KERNEL_C_SYMBOLS } from './kernels/kernel_c.symbols.ts';
export { type LoadedKernelFile, readTestKernel, TEST_KERNELS } from './kernels.ts';
export {
  ENOSYS,
  KEXEC_REFUSAL,
  type KexecCheck,
  type KexecRefusalReason,
  kexecSupported,
} from './kexec-load.ts';
export { LOADER_LAYOUT } from './layout.ts';
export { type KexecExecOutcome, kexecExec } from './machine-kexec.ts';
export { type KexecPluginOptions, kexecPlugin } from './plugin.ts';
export { vcpuStates } from './run-until.ts';
export {
  type KexecRunState,
  type KexecSession,
  kexecSession,
  kexecSessionState,
} from './session.ts';
