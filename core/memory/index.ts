export type { FrameRun } from './frame-runs.ts';
export {
  bigintToLe,
  GuestMemory,
  type GuestMemoryOptions,
  leToBigint,
  MAX_GPA,
  type MemorySnapshot,
  type MmioRange,
  PAGE_SHIFT,
  PAGE_SIZE,
  type ReservedRange,
} from './guest-memory.ts';
export { hex, MemoryError } from './memory-error.ts';
export { keyFromSeed, PageCipher } from './page-cipher.ts';
