import { hex } from '../../event-log.ts';
import { SVM_VMGEXIT } from '../../sev/exit-codes.ts';
import { GHCB_ERR } from '../../sev/results.ts';
import type { ExitContext, ExitOutcome, ExitRow } from '../exit-table.ts';

function mmio(ctx: ExitContext, write: boolean): ExitOutcome {
  const gpa = Number(ctx.exitInfo1);
  const length = Number(ctx.ghcb.get('sw_exit_info_2'));
  const mem = ctx.hv.memory;
  const device = Number.isSafeInteger(gpa) && mem.mmioAt(gpa) !== undefined;
  if (!device && !(Number.isSafeInteger(gpa) && gpa + length <= mem.size))
    return {
      kind: 'malformed',
      error: GHCB_ERR.INVALID_INPUT,
      why: `MMIO GPA ${hex(ctx.exitInfo1)} is neither a device nor guest memory`,
    };
  // A device range goes to the device model (GuestMemory splits it into pieces of at most 8 bytes,
  // as KVM vcpu_mmio_read/write do); anything else is RAM as the host maps it: ciphertext if private.
  if (write) {
    const data = ctx.readScratch(length);
    if (device) mem.deviceWrite(gpa, data);
    else mem.hvWrite(gpa, data);
  } else {
    // Why: the result must be in the scratch area before the guest runs again.
    ctx.writeScratch(device ? mem.deviceRead(gpa, length) : mem.hvRead(gpa, length));
  }
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
