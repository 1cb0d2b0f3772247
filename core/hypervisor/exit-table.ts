import type { Ghcb } from '../sev/ghcb.ts';
import type { GhcbField } from '../sev/ghcb-layout.ts';
import type { GhcbErr } from '../sev/results.ts';
import type { HostVcpu } from './host-vcpu.ts';
import type { Hypervisor } from './hypervisor.ts';

/** The hypervisor's working copy of the guest registers for one exit (KVM sev_es_sync_from_ghcb). */
export interface ExitRegs {
  rax: bigint;
  rbx: bigint;
  rcx: bigint;
  rdx: bigint;
}

export interface ExitContext {
  readonly hv: Hypervisor;
  /** The exiting vCPU as KVM sees it: under SEV-ES no registers, only the GHCB and the VMCB. */
  readonly vcpu: HostVcpu;
  readonly exitCode: number;
  readonly exitInfo1: bigint;
  readonly ghcbGpa: number;
  /** The snapshot taken at entry: only fields the guest marked valid are filled in. Valid during the handler only (the page is reused). */
  readonly ghcb: Ghcb;
  readonly regs: ExitRegs;
  /** Event-specific result, returned in sw_exit_info_2 (preset to 0). */
  exitInfo2: bigint;
  /** Bytes of the validated scratch area (copied in at entry); `writeScratch` copies a read result back. */
  readScratch(length: number): Uint8Array;
  writeScratch(bytes: Uint8Array): void;
}

/** What an exit handler decides. */
export type ExitOutcome =
  | { kind: 'resume' }
  | { kind: 'malformed'; error: GhcbErr; why: string }
  | { kind: 'exception'; eventInjection: bigint }
  | { kind: 'hold' }
  | { kind: 'terminate'; set: number; code: number; why: string };

/**
 * One row of the allow-list: an exit code the hypervisor knows, the inputs it needs (KVM
 * sev_es_validate_vmgexit) and its handler. An exit code with no row is GHCB_ERR_INVALID_EVENT.
 */
export interface ExitRow {
  exitCode: number;
  name: string;
  /** The GHCB fields that must be valid for this exit, given the snapshot (some depend on inputs). */
  requires?: (ghcb: Ghcb) => readonly GhcbField[];
  /** Needs a scratch area of this many bytes at sw_scratch, checked like KVM setup_vmgexit_scratch. */
  scratchLength?: (ghcb: Ghcb) => bigint | null;
  handle(ctx: ExitContext): ExitOutcome;
}
