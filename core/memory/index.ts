export { MAX_GPA, type MmioRange } from './address-map.ts';
export type { FrameRun } from './frame-runs.ts';
export {
  GuestMemory,
  type GuestMemoryOptions,
  type MemorySnapshot,
  type ReservedRange,
} from './guest-memory.ts';
export { bigintToLe, leToBigint } from './le-bytes.ts';
export { hex, MemoryError } from './memory-error.ts';
export { keyFromSeed, PageCipher } from './page-cipher.ts';
export { PAGE_SHIFT, PAGE_SIZE } from './page-store.ts';
