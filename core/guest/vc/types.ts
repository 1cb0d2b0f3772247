import type { Insn } from '../../cpu/insn.ts';
import type { Ghcb } from '../../sev/ghcb.ts';
import type { Vcpu } from '../../vcpu.ts';
import type { FaultInfo, HvCallResult } from '../ghcb-call.ts';

/** What the guest kernel can do with the interrupted vCPU while it handles a #VC (pt_regs and friends). */
export interface VcRegs {
  get(name: string): bigint;
  set(name: string, value: bigint): void;
  /** Reads guest-virtual memory through the vCPU's segments and page tables; a fault comes back as a value. */
  readVirt(seg: number, offset: bigint, length: number): Uint8Array | FaultInfo;
  writeVirt(seg: number, offset: bigint, bytes: Uint8Array): FaultInfo | null;
  /** Hidden part of segment register `seg` (0..5, ES CS SS DS FS GS): insn_get_seg_base, get_seg_limit. */
  segment(seg: number): { base: bigint; limit: number };
  /** Current privilege level; user_mode(regs) is CPL 3. */
  cpl(): number;
  /**
   * The guest page walk for a linear address (vc_slow_virt_to_phys): the GPA and whether the page is
   * private, or the #PF to raise (with cr2 set).
   */
  translate(linear: bigint, access: 'read' | 'write'): { gpa: number; encrypted: boolean } | FaultInfo;
}

export interface VcContext {
  readonly vcpu: Vcpu;
  readonly exitCode: number;
  /** The instruction at RIP, decoded from its real bytes (vc_decode_insn). */
  readonly insn: Insn;
  readonly regs: VcRegs;
  readonly ghcbGpa: number;
  /** sev_es_ghcb_hv_call on this vCPU's GHCB. */
  hvCall(
    exitCode: number,
    info1: bigint,
    info2: bigint,
    fill?: (g: Ghcb) => void,
  ): { ghcb: Ghcb } & HvCallResult;
}

/** The closed set of #VC outcomes (enum es_result), with a sentence when something went wrong. */
export type VcResult =
  | { result: 'ES_OK' }
  | { result: 'ES_RETRY' }
  | { result: 'ES_EXCEPTION'; fault: FaultInfo }
  | { result: 'ES_VMM_ERROR' | 'ES_UNSUPPORTED' | 'ES_DECODE_FAILED'; why: string };

/** A row of the #VC dispatch table (vc_handle_exitcode). `undefined` passes to the next handler. */
export interface VcHandler {
  exitCode: number;
  name: string;
  /**
   * For an exit code core's opcode table (vc/opcode-check.ts) does not list: does the instruction at
   * RIP cause this exit? Without it a plugin's handler must check the instruction itself.
   */
  causedBy?(insn: Insn): boolean;
  handle(ctx: VcContext): VcResult | undefined;
}

export const vmmError = (why: string): VcResult => ({ result: 'ES_VMM_ERROR', why });

/** Passes an unsuccessful hypervisor call through as the handler's result. */
export const callFailed = (r: HvCallResult): VcResult =>
  r.result === 'ES_EXCEPTION'
    ? r
    : r.result === 'ES_OK'
      ? { result: 'ES_OK' }
      : vmmError('the hypervisor answered with an error');
