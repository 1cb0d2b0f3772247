/**
 * vc_do_mmio (arch/x86/kernel/sev.c): walk the guest page tables to the GPA, refuse private memory,
 * then ask the hypervisor for the access through the GHCB shared buffer.
 */
import {
  type FaultInfo,
  GHCB_SHARED_BUFFER,
  type HvCallResult,
  SVM_VMGEXIT,
  type VcContext,
  type VcResult,
  X86_TRAP_GP,
} from '../../core/index.ts';

/** What an emulated access gives back: the bytes (read data, or what was written), or the #VC result. */
export type MmioOutcome = { ok: true; data: Uint8Array } | { ok: false; result: VcResult };

const fail = (result: VcResult): MmioOutcome => ({ ok: false, result });

export const exception = (fault: FaultInfo): VcResult => ({ result: 'ES_EXCEPTION', fault });

/** An unsuccessful sev_es_ghcb_hv_call as the handler's result (ES_EXCEPTION passes the fault on). */
export function hvCallFailed(r: HvCallResult): VcResult {
  if (r.result === 'ES_EXCEPTION') return r;
  return { result: 'ES_VMM_ERROR', why: `the hypervisor answered the MMIO request with ${r.result}` };
}

/**
 * One MMIO access of `bytes` (1 to 8) at `linear`. For a write, `data` is copied into the shared
 * buffer first; for a read, exactly `bytes` come back from it afterwards, whatever else the
 * hypervisor left there (vc_handle_mmio copies `bytes` out of ghcb->shared_buffer).
 */
export function doMmio(
  ctx: VcContext,
  linear: bigint,
  bytes: number,
  write: boolean,
  data?: Uint8Array,
): MmioOutcome {
  // vc_slow_virt_to_phys. Hardware walks with the access's direction, so a failed walk for a write
  // carries the W bit in its #PF error code (vc_do_mmio: error_code |= X86_PF_WRITE).
  const walk = ctx.regs.translate(linear, write ? 'write' : 'read');
  if ('vector' in walk) return fail(exception(walk));
  // Why: a hypervisor could inject an NPF #VC for an access to private memory to have the guest copy
  // its plaintext out (or hypervisor data in). Linux refuses emulated MMIO to encrypted memory; OVMF
  // ValidateMmioMemory answers with #GP(0), which the model follows.
  if (walk.encrypted) return fail(exception({ vector: X86_TRAP_GP, errorCode: 0 }));
  const scratch = BigInt(ctx.ghcbGpa + GHCB_SHARED_BUFFER.offset);
  const exitCode = write ? SVM_VMGEXIT.MMIO_WRITE : SVM_VMGEXIT.MMIO_READ;
  // GHCB spec: exit_info_1 = GPA, exit_info_2 = byte count, sw_scratch = the shared buffer.
  const r = ctx.hvCall(exitCode, BigInt(walk.gpa), BigInt(bytes), (g) => {
    g.set('sw_scratch', scratch);
    if (write && data) g.bytes.set(data.subarray(0, bytes), GHCB_SHARED_BUFFER.offset);
  });
  if (r.result !== 'ES_OK') return fail(hvCallFailed(r));
  if (write) return { ok: true, data: data ?? new Uint8Array(bytes) };
  return {
    ok: true,
    data: r.ghcb.bytes.slice(GHCB_SHARED_BUFFER.offset, GHCB_SHARED_BUFFER.offset + bytes),
  };
}
