/**
 * The crashkernel= reservation: Linux's `crashkernel=size@offset` syntax (kernel/crash_core.c
 * parse_crashkernel_simple, memparse suffixes K, M, G), checked against the machine.
 */

export interface CrashKernelRegion {
  base: number;
  size: number;
}

/** The default: 16 MiB at 64 MiB, above the test kernels (16 MiB, 32 MiB) and the loader's pages. */
export const DEFAULT_CRASHKERNEL = '16M@64M';
/** The capture kernel, its page table and boot info need far less; Linux asks for more. */
export const MIN_CRASHKERNEL_SIZE = 0x10_0000;

const SUFFIX: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 };

/** memparse(): a number (decimal or 0x hex) with an optional K, M or G suffix. */
function memparse(text: string): number | null {
  const m = /^(0x[0-9a-f]+|\d+)([KMG]?)$/i.exec(text);
  if (!m) return null;
  return Number(m[1]!.toLowerCase().startsWith('0x') ? BigInt(m[1]!) : m[1]) * SUFFIX[m[2]!.toUpperCase()]!;
}

export type CrashKernelParse = { ok: true; region: CrashKernelRegion } | { ok: false; message: string };

/** `16M@64M` (with or without the `crashkernel=` prefix) for a guest of `memory` bytes. */
export function parseCrashKernel(text: string, memory: number): CrashKernelParse {
  const value = text.replace(/^crashkernel=/, '');
  const [sizeText, baseText, extra] = value.split('@');
  const size = memparse(sizeText ?? '');
  const base = baseText === undefined ? null : memparse(baseText);
  if (extra !== undefined || size === null || base === null)
    return { ok: false, message: `crashkernel=${value} is not size@offset; write it like 16M@64M` };
  if (size < MIN_CRASHKERNEL_SIZE)
    return { ok: false, message: `crashkernel=${value} is smaller than 1M: the capture kernel needs 1M` };
  if (base % 4096 !== 0 || size % 4096 !== 0)
    return { ok: false, message: `crashkernel=${value} is not page aligned; use multiples of 4K` };
  if (base + size > memory)
    return {
      ok: false,
      message: `crashkernel=${value} ends beyond the guest's ${memory / 2 ** 20}M of memory; give a lower offset`,
    };
  return { ok: true, region: { base, size } };
}
