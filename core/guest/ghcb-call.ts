import type { GuestMemory } from '../memory/guest-memory.ts';
import { decodeEventInjection, isAcceptableExceptionRequest } from '../sev/event-injection.ts';
import { Ghcb } from '../sev/ghcb.ts';
import { GHCB_DEFAULT_USAGE, GHCB_PAGE_SIZE } from '../sev/ghcb-layout.ts';
import { GHCB_VERSION_1 } from '../sev/msr-protocol.ts';
import type { EsResult } from '../sev/results.ts';
import type { Vcpu } from '../vcpu.ts';

/** An exception the hypervisor asked the guest to raise (ctxt->fi in the kernel). */
export interface FaultInfo {
  vector: number;
  errorCode: number | null;
  /** #PF: the faulting linear address, written to CR2 before the fault is raised (ctxt->fi.cr2). */
  cr2?: bigint;
}

export type HvCallResult =
  | { result: Exclude<EsResult, 'ES_EXCEPTION'> }
  | { result: 'ES_EXCEPTION'; fault: FaultInfo };

/**
 * One vCPU's GHCB page as the guest kernel uses it: the guest writes its request into the shared page,
 * puts the page's GPA into the GHCB MSR and executes VMGEXIT (the `vmgexit` callback is that instruction).
 */
export class GhcbCall {
  /** Accessors over the live pages, one per GHCB (the page is the GHCB: no copies). */
  private readonly live = new Map<number, Ghcb>();

  constructor(
    private readonly memory: GuestMemory,
    private readonly vmgexit: (vcpu: Vcpu) => void,
  ) {}

  /**
   * The GHCB as the guest sees it now. A page-aligned GHCB in RAM is accessed in place; anything else
   * (a hand-placed GHCB that straddles pages) is a copy that `store` writes back.
   */
  load(gpa: number): Ghcb {
    const page = gpa % GHCB_PAGE_SIZE === 0 ? this.memory.ramPage(gpa / GHCB_PAGE_SIZE, true) : undefined;
    if (!page) return new Ghcb(this.memory.read(gpa, GHCB_PAGE_SIZE));
    // The accessor is kept only while its page is the live one (a restore may drop a page).
    const known = this.live.get(gpa);
    if (known?.bytes === page) return known;
    const g = new Ghcb(page);
    this.live.set(gpa, g);
    return g;
  }

  store(gpa: number, ghcb: Ghcb): void {
    if (this.live.get(gpa) !== ghcb) this.memory.write(gpa, ghcb.bytes);
  }

  /**
   * Linux sev_es_ghcb_hv_call + verify_exception_info. `fill` sets the request's register fields on
   * an invalidated GHCB; the answer is read back from the page after the exit.
   */
  call(
    vcpu: Vcpu,
    gpa: number,
    exitCode: number,
    info1: bigint,
    info2: bigint,
    fill?: (g: Ghcb) => void,
  ): { ghcb: Ghcb } & HvCallResult {
    const g = this.load(gpa);
    g.invalidate();
    fill?.(g);
    g.protocolVersion = GHCB_VERSION_1;
    g.usage = GHCB_DEFAULT_USAGE;
    g.set('sw_exit_code', BigInt(exitCode));
    g.set('sw_exit_info_1', info1);
    g.set('sw_exit_info_2', info2);
    this.store(gpa, g);
    vcpu.cpu.ghcbMsr = BigInt(gpa);
    this.vmgexit(vcpu);
    const answer = this.load(gpa);
    return { ghcb: answer, ...verifyExceptionInfo(answer) };
  }
}

/**
 * Linux verify_exception_info: info_1[31:0] = 0 is success; 1 is an exception request that must be a
 * valid #GP or #UD of type exception; anything else (including malformed-input replies) is a VMM error.
 */
export function verifyExceptionInfo(g: Ghcb): HvCallResult {
  const ret = g.get('sw_exit_info_1') & 0xffffffffn;
  if (ret === 0n) return { result: 'ES_OK' };
  if (ret === 1n) {
    const e = decodeEventInjection(g.get('sw_exit_info_2'));
    // Why: a hostile hypervisor could ask for any vector (a #VC, a #PF with a forged CR2...); only
    // #GP and #UD are faults the guest would raise itself for the emulated instructions.
    if (isAcceptableExceptionRequest(e)) {
      return {
        result: 'ES_EXCEPTION',
        fault: { vector: e.vector, errorCode: e.errorCodeValid ? e.errorCode : null },
      };
    }
  }
  return { result: 'ES_VMM_ERROR' };
}
