import { hex } from '../../event-log.ts';
import { SVM_VMGEXIT } from '../../sev/exit-codes.ts';
import { GHCB_ERR } from '../../sev/results.ts';
import type { ExitContext, ExitOutcome, ExitRow } from '../exit-table.ts';
import type { HostMemory } from '../host-memory.ts';

/** KVM vcpu_mmio_read/vcpu_mmio_write (and QEMU after them) hand a device at most 8 bytes at a time. */
const MMIO_PIECE = 8;

/** What the bytes at `gpa` are to the host: a device range (by its base) or its own mapping of RAM. */
const regionOf = (mem: HostMemory, gpa: number) =>
  (mem.mmioAt(gpa) as { base: number } | undefined)?.base ?? 'ram';

/**
 * Splits [gpa, gpa + length) into pieces of at most 8 bytes that each lie in one region. Regions are
 * whole pages, so a piece whose first and last byte agree lies in one region.
 */
function* pieces(mem: HostMemory, gpa: number, length: number): Generator<{ gpa: number; length: number }> {
  for (let done = 0; done < length; ) {
    const at = gpa + done;
    const region = regionOf(mem, at);
    let n = Math.min(MMIO_PIECE, length - done);
    while (n > 1 && regionOf(mem, at + n - 1) !== region) n--;
    yield { gpa: at, length: n };
    done += n;
  }
}

/**
 * KVM sev_handle_vmgexit for SVM_VMGEXIT_MMIO_READ/WRITE (kvm_sev_es_mmio_read/write): exit_info_1 =
 * GPA, exit_info_2 = length, data in the validated scratch area. A device gets its part in pieces of
 * at most 8 bytes; anything else is RAM as the host maps it (ciphertext if private). A read result is
 * copied back into the scratch area before the guest runs again. Length 0 accesses nothing.
 */
function mmio(ctx: ExitContext, write: boolean): ExitOutcome {
  const gpa = Number(ctx.exitInfo1);
  const length = Number(ctx.ghcb.get('sw_exit_info_2'));
  const mem = ctx.hv.memory;
  if (length === 0) return { kind: 'resume' };
  const parts = Number.isSafeInteger(gpa) ? [...pieces(mem, gpa, length)] : [];
  const outside = parts.find((p) => regionOf(mem, p.gpa) === 'ram' && p.gpa + p.length > mem.size);
  if (parts.length === 0 || outside)
    return {
      kind: 'malformed',
      error: GHCB_ERR.INVALID_INPUT,
      why: `MMIO GPA ${hex(ctx.exitInfo1)}+${length} is neither a device nor guest memory`,
    };
  const data = write ? ctx.readScratch(length) : new Uint8Array(length);
  for (const p of parts) {
    const at = p.gpa - gpa;
    const device = regionOf(mem, p.gpa) !== 'ram';
    if (write) {
      const bytes = data.subarray(at, at + p.length);
      if (device) mem.deviceWrite(p.gpa, bytes);
      else mem.hvWrite(p.gpa, bytes);
    } else {
      data.set(device ? mem.deviceRead(p.gpa, p.length) : mem.hvRead(p.gpa, p.length), at);
    }
  }
  // Why: the result must be in the scratch area before the guest runs again.
  if (!write) ctx.writeScratch(data);
  return { kind: 'resume' };
}

/** KVM: MMIO read/write need sw_scratch; exit_info_1 = GPA, exit_info_2 = length. */
const scratchLength = (g: { get(f: 'sw_exit_info_2'): bigint }) => g.get('sw_exit_info_2');

export const mmioReadExit: ExitRow = {
  exitCode: SVM_VMGEXIT.MMIO_READ,
  name: 'SVM_VMGEXIT_MMIO_READ',
  requires: () => ['sw_scratch'],
  scratchLength,
  handle: (ctx) => mmio(ctx, false),
};

export const mmioWriteExit: ExitRow = {
  exitCode: SVM_VMGEXIT.MMIO_WRITE,
  name: 'SVM_VMGEXIT_MMIO_WRITE',
  requires: () => ['sw_scratch'],
  scratchLength,
  handle: (ctx) => mmio(ctx, true),
};
