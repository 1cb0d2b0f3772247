/**
 * The guest side: the kernel starting an AP with the AP Creation event instead of INIT-SIPI-SIPI and
 * the AP jump table (Linux wakeup_cpu_via_vmgexit and vmgexit_ap_control, arch/x86/coco/sev/core.c).
 * The kernel checks the hypervisor feature bit it read at boot, builds the VMSA in a private page,
 * then sends the request in its GHCB and checks the answer.
 */
import { GHCB_HV_RESP, hex, type Machine, PAGE_SIZE, type PluginState } from '../../core/index.ts';
import { apInitVmsa } from './ap-init-vmsa.ts';
import {
  AP_REQUEST_WORDS,
  type ApRequestWord,
  apCreationInfo1,
  GHCB_HV_FT_SNP_AP_CREATION,
  SVM_VMGEXIT_AP,
  SVM_VMGEXIT_AP_CREATION,
} from './protocol.ts';
import { encodeVmsa } from './vmsa.ts';

/**
 * How a request ended, from the kernel's point of view: the error it returns (-EOPNOTSUPP before any
 * exit, -EINVAL after a refusal) and, for a refusal, what the hypervisor put in the GHCB.
 */
export type ApControlResult =
  | { ok: true; vmsaGpa: number }
  | { ok: false; error: 'EOPNOTSUPP' | 'EINVAL'; why: string; exitInfo1?: bigint; exitInfo2?: bigint };

export interface WakeupRequest {
  /** The vCPU that sends the request (default 0, the BSP). */
  from?: number;
  apicId: number;
  /** Real-mode start address of the AP (the trampoline), below 1 MiB. */
  startIp: number;
  /** `create` (default) or `create-on-init`. */
  request?: Exclude<ApRequestWord, 'destroy'>;
  /** Where the VMSA goes; default: the AP's page from the plugin's VMSA area. */
  vmsaGpa?: number;
  /** SEV_FEATURES for the VMSA and RAX; default: the guest's own (0 on SEV-ES). */
  sevFeatures?: bigint;
}

/** The guest's per-machine state: where VMSA pages come from, and each AP's current one (sev_vmsa). */
export class ApCreationGuest {
  readonly current = new Map<number, number>();

  constructor(
    private readonly machine: Machine,
    /** The start of the VMSA area: 8 KiB per APIC ID. */
    private readonly vmsaBase: number,
    private readonly sevFeatures: bigint,
  ) {}

  /** Each AP's current VMSA page as machine snapshots take it (`api.onSnapshot`). */
  snapshotState(): PluginState<ReadonlyMap<number, number>> {
    return {
      save: () => new Map(this.current),
      restore: (saved) => {
        this.current.clear();
        for (const [apicId, gpa] of saved ?? []) this.current.set(apicId, gpa);
      },
    };
  }

  /**
   * snp_alloc_vmsa_page: two pages per AP and the second one used, so the VMSA is never 2 MiB aligned
   * (the SNP erratum KVM guards against). Null when the page would not be plain private RAM.
   */
  vmsaPageFor(apicId: number): { gpa: number } | { why: string } {
    const gpa = this.vmsaBase + apicId * 2 * PAGE_SIZE + PAGE_SIZE;
    const m = this.machine;
    const ghcbEnd = m.config.ghcbBase + m.vcpus.length * PAGE_SIZE;
    if (gpa + PAGE_SIZE > m.memory.size)
      return {
        why: `the VMSA page ${hex(gpa)} for APIC ID ${apicId} is beyond guest memory; lower vmsaBase`,
      };
    if (gpa < ghcbEnd && gpa + PAGE_SIZE > m.config.ghcbBase)
      return {
        why: `the VMSA page ${hex(gpa)} for APIC ID ${apicId} overlaps the GHCB pages; move vmsaBase`,
      };
    if (m.memory.reservedAt(gpa))
      return { why: `the VMSA page ${hex(gpa)} for APIC ID ${apicId} is firmware-reserved; move vmsaBase` };
    return { gpa };
  }

  private fail(from: number, why: string, extra: Partial<ApControlResult> = {}): ApControlResult {
    this.machine.kernel.print(this.machine.vcpu(from), why);
    return { ok: false, error: 'EINVAL', why, ...extra } as ApControlResult;
  }

  /**
   * vmgexit_ap_control: the AP Creation request in this vCPU's GHCB. RAX carries SEV_FEATURES for the
   * create requests; any non-zero SW_EXITINFO1[31:0] (or an answer that is not marked valid) is an error.
   */
  apControl(
    from: number,
    request: number,
    apicId: number,
    vmsaGpa: number,
    sevFeatures: bigint,
  ): ApControlResult {
    const v = this.machine.vcpu(from);
    const create = request !== SVM_VMGEXIT_AP.DESTROY;
    const { ghcb } = this.machine.kernel.hvCall(
      v,
      SVM_VMGEXIT_AP_CREATION,
      apCreationInfo1(apicId, request),
      BigInt(vmsaGpa),
      create ? (g) => g.set('rax', sevFeatures) : undefined,
    );
    const info1 = ghcb.get('sw_exit_info_1');
    if (!ghcb.isValid('sw_exit_info_1') || (info1 & 0xffff_ffffn) !== BigInt(GHCB_HV_RESP.NO_ACTION))
      return this.fail(from, `SNP AP ${create ? 'CREATE' : 'DESTROY'} error`, {
        exitInfo1: info1,
        exitInfo2: ghcb.get('sw_exit_info_2'),
      });
    return { ok: true, vmsaGpa };
  }

  /** wakeup_cpu_via_vmgexit: feature check, VMSA in a private page, AP_CREATE (or _ON_INIT). */
  wakeup(req: WakeupRequest): ApControlResult {
    const from = req.from ?? 0;
    if ((this.machine.kernel.hvFeatures & GHCB_HV_FT_SNP_AP_CREATION) === 0n)
      return {
        ok: false,
        error: 'EOPNOTSUPP',
        why: `the hypervisor does not advertise GHCB_HV_FT_SNP_AP_CREATION (features read at boot: ${hex(this.machine.kernel.hvFeatures)})`,
      };
    if (!Number.isInteger(req.startIp) || req.startIp < 0 || req.startIp >= 0x10_0000)
      return this.fail(from, `AP start IP ${hex(req.startIp)} is not a real-mode address below 1 MiB`);
    let gpa = req.vmsaGpa;
    if (gpa === undefined) {
      const page = this.vmsaPageFor(req.apicId);
      if ('why' in page) return this.fail(from, page.why);
      gpa = page.gpa;
    }
    const features = req.sevFeatures ?? this.sevFeatures;
    const cr4 = this.machine.vcpu(from).cpu.getReg('cr4');
    // The VMSA is an ordinary kernel page: written through the guest's (encrypted) mapping. A GPA
    // given by hand outside RAM (a hostile case) is sent as it is, with nothing written there.
    const m = this.machine.memory;
    if (gpa + PAGE_SIZE <= m.size && m.mmioAt(gpa) === undefined)
      m.write(gpa, encodeVmsa(apInitVmsa(req.startIp, features, cr4)));
    const request = AP_REQUEST_WORDS[req.request ?? 'create'];
    const r = this.apControl(from, request, req.apicId, gpa, features);
    // Record the current VMSA page; the previous one is freed (snp_cleanup_vmsa) either way.
    if (r.ok) this.current.set(req.apicId, gpa);
    else this.current.delete(req.apicId);
    return r;
  }

  /** AP_DESTROY of the AP's current VMSA (the kexec/kdump path: kick APs out of guest mode). */
  destroy(apicId: number, from = 0): ApControlResult {
    const r = this.apControl(from, SVM_VMGEXIT_AP.DESTROY, apicId, this.current.get(apicId) ?? 0, 0n);
    if (r.ok) this.current.delete(apicId);
    return r;
  }
}
