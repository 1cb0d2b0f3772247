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

/**
 * The low page the capture kernel's real-mode trampoline goes to. A crash image's segments must all
 * lie inside the crashkernel= region (kexec_core.c sanity_check_segment_list: -EADDRNOTAVAIL), so
 * the trampoline is never a segment of its own: as in Linux, the first kernel keeps low memory away
 * from itself when crashkernel= is given ("x86/kdump: Always reserve the low 1M when the crashkernel
 * option is specified", later reserve_real_mode() and "x86/setup: Always reserve the first 1M of
 * RAM"), kexec hands that memory to the capture kernel as RAM (crash_setup_memmap_entries: "Add the
 * low 1M"), and the capture kernel copies its own trampoline there when it boots (setup_real_mode).
 * Here one page is kept, 0x70000 by default: clear of the loader's pages, the test kernels'
 * trampolines (0x8000, 0xa000) and firmware's AP loop (0x9f000).
 */
export const DEFAULT_TRAMPOLINE = 0x7_0000;

/** The `trampoline` option: a page-aligned GPA whose page lies below 1 MiB (real mode reaches it). */
export function trampolineProblem(gpa: unknown): string | null {
  if (
    typeof gpa !== 'number' ||
    !Number.isInteger(gpa) ||
    gpa < 0 ||
    gpa % 4096 !== 0 ||
    gpa + 4096 > 0x10_0000
  )
    return 'option trampoline takes a page-aligned address below 1M, such as 0x70000';
  return null;
}
