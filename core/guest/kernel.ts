import type { DecodeError } from '../cpu/decoder/index.ts';
import type { Insn } from '../cpu/insn.ts';
import { type EventLog, hex } from '../event-log.ts';
import type { GuestMemory } from '../memory/guest-memory.ts';
import { exitCodeName, SVM_VMGEXIT, SVM_VMGEXIT_GET_AP_JUMP_TABLE } from '../sev/exit-codes.ts';
import type { Ghcb } from '../sev/ghcb.ts';
import { GHCB_PAGE_SIZE } from '../sev/ghcb-layout.ts';
import { type CpuidReg, cpuidReq, decodeCpuidResp, GHCB_MSR, msrInfo, termReq } from '../sev/msr-protocol.ts';
import { GHCB_SEV_ES_GEN_REQ, GHCB_SEV_ES_PROT_UNSUPPORTED, SEV_TERM_SET_GEN } from '../sev/termination.ts';
import type { Vcpu } from '../vcpu.ts';
import { GhcbCall } from './ghcb-call.ts';
import { type Negotiated, negotiateProtocol, queryHvFeatures } from './negotiation.ts';
import type { PanicHandler, PanicOutcome } from './panic.ts';
import { coreVcHandlers, type VcHandler, type VcRegs, type VcResult } from './vc/index.ts';
import { checkOpcodeBytes } from './vc/opcode-check.ts';

export interface GuestKernelDeps {
  memory: GuestMemory;
  log: EventLog;
  /** The VMGEXIT instruction of the vCPU (`rep; vmmcall`). */
  vmgexit(vcpu: Vcpu): void;
  /** GPA of each vCPU's GHCB page (per-CPU, shared). */
  ghcbGpa(vcpu: Vcpu): number;
  /** Access to the interrupted vCPU's registers and memory while handling a #VC. */
  regs(vcpu: Vcpu): VcRegs;
  /** Decodes the instruction at the vCPU's CS:RIP. */
  decodeAtRip(vcpu: Vcpu): Insn | DecodeError;
  /** Reports a plugin #VC handler that threw; the next handler is tried. */
  pluginFailed(where: string, e: unknown): void;
  /** Stops the vCPU where it is (the end of panic(): it never returns to the code that panicked). */
  halt(vcpu: Vcpu, why: string): void;
}

/**
 * The guest kernel's SEV-ES services, modelled in TypeScript after arch/x86/kernel/sev*.c: protocol
 * negotiation, per-CPU GHCBs, the #VC dispatch table, result checks, MSR-protocol CPUID for early code,
 * the cached AP jump table address and termination. It decides like the kernel and logs the
 * kernel's messages; machine code it would run is run by the interpreter instead.
 */
export interface KernelSnapshot {
  negotiated: Negotiated | null;
  hvFeatures: bigint;
  apJumpTable: number | null;
  /** vCPUs whose GHCB page the kernel has mapped decrypted. */
  ghcbReady: number[];
}

export class GuestKernel {
  negotiated: Negotiated | null = null;
  hvFeatures = 0n;
  /** sev_es_get_jump_table_addr's cache ("x86/sev: Cache AP Jump Table Address"); null before the first GET. */
  apJumpTable: number | null = null;
  private readonly ghcbs: GhcbCall;
  private readonly vc = new Map<number, VcHandler[]>();
  private readonly ghcbReady = new Set<number>();
  private readonly panicHandlers: PanicHandler[] = [];

  constructor(private readonly deps: GuestKernelDeps) {
    this.ghcbs = new GhcbCall(deps.memory, deps.vmgexit);
    for (const h of coreVcHandlers) this.addVcHandler(h);
  }

  /** What the kernel keeps outside guest memory, for machine snapshots. */
  snapshot(): KernelSnapshot {
    return {
      negotiated: this.negotiated,
      hvFeatures: this.hvFeatures,
      apJumpTable: this.apJumpTable,
      ghcbReady: [...this.ghcbReady],
    };
  }

  restore(s: KernelSnapshot): void {
    this.negotiated = s.negotiated;
    this.hvFeatures = s.hvFeatures;
    this.apJumpTable = s.apJumpTable;
    // Which GHCB pages are mapped decrypted goes back with the memory attributes it matches.
    this.ghcbReady.clear();
    for (const i of s.ghcbReady) this.ghcbReady.add(i);
  }

  /** pr_info / pr_err from the kernel. */
  print(vcpu: Vcpu | null, message: string): void {
    this.deps.log.append({ kind: 'log', vcpu: vcpu?.index ?? null, source: 'kernel', message });
  }

  knowsVc(exitCode: number): boolean {
    return (this.vc.get(exitCode)?.length ?? 0) > 0;
  }

  addVcHandler(h: VcHandler, first = false): () => void {
    const list = this.vc.get(h.exitCode) ?? [];
    if (first) list.unshift(h);
    else list.push(h);
    this.vc.set(h.exitCode, list);
    return () => list.splice(list.indexOf(h), 1);
  }

  /** Adds a handler to panic()'s chain (after the ones already there); returns its removal. */
  addPanicHandler(h: PanicHandler): () => void {
    this.panicHandlers.push(h);
    return () => {
      const i = this.panicHandlers.indexOf(h);
      if (i >= 0) this.panicHandlers.splice(i, 1);
    };
  }

  /**
   * panic() (kernel/panic.c): the message, then the handlers in order (__crash_kexec, the panic
   * notifiers) until one takes the CPU over; otherwise the end marker and the CPU stops for good.
   */
  panic(vcpu: Vcpu, message: string): PanicOutcome {
    this.print(vcpu, `Kernel panic - not syncing: ${message}`);
    for (const h of [...this.panicHandlers]) {
      let r: 'took-over' | undefined;
      try {
        r = h.handle({ vcpu, message });
      } catch (e) {
        this.deps.pluginFailed(`panic handler ${h.name}`, e);
        continue;
      }
      if (r === 'took-over') return { kind: 'took-over', by: h.name };
    }
    this.print(vcpu, `---[ end Kernel panic - not syncing: ${message} ]---`);
    this.deps.halt(vcpu, 'panic');
    return { kind: 'halted' };
  }

  /** Write the GHCB MSR, VMGEXIT, read it back (sev_es_wr_ghcb_msr / VMGEXIT / sev_es_rd_ghcb_msr). */
  msrExchange(vcpu: Vcpu, request: bigint): bigint {
    vcpu.cpu.ghcbMsr = request;
    this.deps.vmgexit(vcpu);
    return vcpu.cpu.ghcbMsr;
  }

  /** sev_es_terminate: request termination through the MSR protocol; the VM stops there. */
  terminate(vcpu: Vcpu, set: number, code: number): void {
    this.msrExchange(vcpu, termReq(set, code));
  }

  /**
   * sev_es_negotiate_protocol + the log lines of "x86/sev: Save and print negotiated GHCB protocol
   * version" + get_hv_features. Returns false (and has terminated the VM) when negotiation fails.
   */
  negotiate(vcpu: Vcpu): boolean {
    const r = negotiateProtocol((req) => this.msrExchange(vcpu, req));
    if (!r.ok) {
      this.print(vcpu, `SEV-ES: GHCB protocol negotiation failed: ${r.why}`);
      this.terminate(vcpu, SEV_TERM_SET_GEN, GHCB_SEV_ES_PROT_UNSUPPORTED);
      return false;
    }
    this.negotiated = r.negotiated;
    this.print(
      vcpu,
      `SEV: Hypervisor GHCB protocol version support: min=${r.negotiated.hvMin} max=${r.negotiated.hvMax}`,
    );
    this.print(vcpu, `SEV: Using GHCB protocol version ${r.negotiated.version}`);
    this.hvFeatures = queryHvFeatures((req) => this.msrExchange(vcpu, req), r.negotiated.version);
    return true;
  }

  /** __sev_cpuid_hv: early CPUID through the MSR protocol; a wrong answer terminates the VM. */
  cpuidMsr(vcpu: Vcpu, fn: number, reg: CpuidReg): number | null {
    const val = this.msrExchange(vcpu, cpuidReq(fn, reg));
    if (msrInfo(val) !== GHCB_MSR.CPUID_RESP) {
      this.print(
        vcpu,
        `SEV-ES: CPUID 0x${fn.toString(16)} through the MSR protocol got response code ${hex(msrInfo(val))}`,
      );
      this.terminate(vcpu, SEV_TERM_SET_GEN, GHCB_SEV_ES_GEN_REQ);
      return null;
    }
    return decodeCpuidResp(val);
  }

  /** The vCPU's GHCB: a per-CPU page mapped decrypted (set_memory_decrypted) before first use. */
  ghcbGpa(vcpu: Vcpu): number {
    const gpa = this.deps.ghcbGpa(vcpu);
    if (!this.ghcbReady.has(vcpu.index)) {
      this.deps.memory.setEncrypted(gpa, GHCB_PAGE_SIZE, false);
      this.ghcbReady.add(vcpu.index);
    }
    return gpa;
  }

  hvCall(vcpu: Vcpu, exitCode: number, info1: bigint, info2: bigint, fill?: (g: Ghcb) => void) {
    return this.ghcbs.call(vcpu, this.ghcbGpa(vcpu), exitCode, info1, info2, fill);
  }

  /** sev_es_get_jump_table_addr: AP_JUMP_TABLE GET once, then the cached value. */
  getApJumpTable(vcpu: Vcpu): { ok: true; gpa: number } | { ok: false; why: string } {
    if (this.apJumpTable !== null) return { ok: true, gpa: this.apJumpTable };
    const r = this.hvCall(vcpu, SVM_VMGEXIT.AP_JUMP_TABLE, BigInt(SVM_VMGEXIT_GET_AP_JUMP_TABLE), 0n);
    if (r.result !== 'ES_OK') return { ok: false, why: `AP_JUMP_TABLE GET failed (${r.result})` };
    const gpa = r.ghcb.get('sw_exit_info_2');
    if (gpa >= 1n << 52n)
      return { ok: false, why: `AP_JUMP_TABLE GET returned ${hex(gpa)}, beyond any guest physical address` };
    this.apJumpTable = Number(gpa);
    return { ok: true, gpa: this.apJumpTable };
  }

  /**
   * The #VC handler (vc_raw_handle_exception): decode the instruction at RIP, dispatch on the exit code,
   * then act on the result: advance RIP past the instruction, leave it for a retry, raise the
   * exception, or panic and terminate. Returns what happened, for the event log.
   */
  handleVc(vcpu: Vcpu, exitCode: number): VcResult {
    const name = exitCodeName(exitCode);
    const rip = vcpu.cpu.getReg('rip');
    const regs = this.deps.regs(vcpu);
    this.deps.log.append({ kind: 'vc', vcpu: vcpu.index, exitCode: hex(exitCode), name, rip: hex(rip) });
    const decoded = this.deps.decodeAtRip(vcpu);
    let result: VcResult;
    if ('kind' in decoded) {
      result = {
        result: 'ES_DECODE_FAILED',
        why: `cannot decode the instruction at ${hex(rip)}: ${decoded.reason}`,
      };
    } else {
      result = this.dispatch(vcpu, exitCode, decoded, regs);
      if (result.result === 'ES_OK') regs.set('rip', rip + BigInt(decoded.length));
    }
    const text = result.result + ('why' in result ? `: ${result.why}` : '');
    this.deps.log.append({ kind: 'vc-result', vcpu: vcpu.index, name, result: text });
    if (result.result !== 'ES_OK' && result.result !== 'ES_RETRY' && result.result !== 'ES_EXCEPTION') {
      this.print(vcpu, `PANIC: Unhandled #VC exception in kernel space (result=${result.result})`);
      this.terminate(vcpu, SEV_TERM_SET_GEN, GHCB_SEV_ES_GEN_REQ);
      // vc_raw_handle_exception: "If that fails and we get here - just panic". The kernel asks for
      // termination first, so panic() (and a crash kernel) runs only when the VMM returned from it.
      if (vcpu.state !== 'terminated') this.panic(vcpu, 'Returned from Terminate-Request to Hypervisor');
    }
    return result;
  }

  private dispatch(vcpu: Vcpu, exitCode: number, insn: Insn, regs: VcRegs): VcResult {
    const handlers = this.vc.get(exitCode) ?? [];
    const check = checkOpcodeBytes(exitCode, insn);
    const causedBy = handlers.find((h) => h.causedBy)?.causedBy;
    if (check === 'mismatch' || (check === 'not-listed' && causedBy && !causedBy(insn))) {
      const rip = hex(regs.get('rip'));
      return {
        result: 'ES_UNSUPPORTED',
        why: `Wrong/unhandled opcode bytes: ${insn.map === '0f' ? '0f ' : ''}${hex(insn.opcode)}, exit_code: ${hex(exitCode)}, rIP: ${rip}`,
      };
    }
    for (const h of handlers) {
      let r: VcResult | undefined;
      try {
        r = h.handle({
          vcpu,
          exitCode,
          insn,
          regs,
          ghcbGpa: this.ghcbGpa(vcpu),
          hvCall: (code, i1, i2, fill) => this.hvCall(vcpu, code, i1, i2, fill),
        });
      } catch (e) {
        this.deps.pluginFailed(`#VC handler ${h.name}`, e);
        continue;
      }
      if (r) return r;
    }
    return { result: 'ES_UNSUPPORTED', why: `Unsupported exit-code ${hex(exitCode)} in #VC exception` };
  }
}
