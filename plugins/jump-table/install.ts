/**
 * Installing the parking blob on the AP jump table page: the kernel's sev_es_setup_ap_jump_table()
 * and sev_es_setup_ap_jump_table_data() of the SEV-ES kexec series (arch/x86/kernel/sev.c, v5
 * wording of the log lines). Runs after SMP bring-up, when no AP can still be executing jump-table
 * code.
 *
 * Pure over a small memory interface (the guest's own, private view of the page: the kernel maps it
 * with ioremap_encrypted) and a log callback.
 */
import type { ApJumpTableBlob } from './blob.ts';
import { gdtEntry, gdtEntryBytes } from './gdt-entry.ts';
import {
  ACCESS_CODE16,
  ACCESS_DATA16,
  AP_JUMP_TABLE_PAGE_SIZE,
  HEADER,
  SEGMENT_LIMIT,
  SEV_APJT_CS16,
  SEV_APJT_DS16,
  SEV_RM_DS,
} from './layout.ts';

export interface GuestMemoryPort {
  read(gpa: number, length: number): Uint8Array;
  write(gpa: number, bytes: Uint8Array): void;
}

/** A real-mode far pointer as the jump table holds it: IP at offset 0, CS at offset 2. */
export interface ResetVector {
  ip: number;
  cs: number;
}

export interface InstallInput {
  memory: GuestMemoryPort;
  log: (line: string) => void;
  /** cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT): the guest runs under SEV-ES. */
  sevEs: boolean;
  /** SEV-SNP guests start APs with the AP creation event instead (wakeup_cpu_via_vmgexit). */
  sevSnp: boolean;
  /** ghcb_info.vm_proto: the negotiated GHCB protocol version. */
  ghcbProtocol: number;
  /** AP_JUMP_TABLE GET result (sw_exit_info_2): untrusted, any u64. */
  jumpTableGpa: bigint;
  blob: ApJumpTableBlob;
  /** GPA of the trampoline's sev_ap_park_gdt (real_mode_header->sev_ap_park_gdt). */
  parkGdtGpa: number;
  /**
   * v4+: the kernel's own trampoline (startup_cs:startup_ip) is written back. Omitted: v1-v3, the
   * words saved before the copy are restored.
   */
  resetVector?: ResetVector;
}

/** What the kernel remembers: sev_ap_jumptable_blob_installed, plus the values it wrote. */
export interface InstalledBlob {
  gpa: number;
  blobSize: number;
  savedResetVector: ResetVector;
  resetVector: ResetVector;
}

export type InstallOutcome =
  | { kind: 'installed'; state: InstalledBlob }
  /** Nothing to do: not SEV-ES, SNP, or no jump table (0 means a uniprocessor guest). */
  | { kind: 'skipped'; reason: 'not-sev-es' | 'sev-snp' | 'no-jump-table' }
  /** Refused with a log line: the protocol cannot park without a GHCB. */
  | { kind: 'skipped'; reason: 'ghcb-protocol'; message: string }
  /** -EINVAL: an address the kernel cannot use. */
  | { kind: 'error'; reason: 'misaligned' | 'above-4g'; errno: -22; message?: string };

/** Log lines of the series (v5), kept verbatim so a grep finds them in both places. */
export const INSTALL_LOG = {
  ghcbProtocol: 'AP jump table parking requires at least GHCB protocol version 2',
  above4g: 'AP jump table is above 4GB or address overflow - not enabling AP jump table parking',
  installed: 'AP jump table Blob successfully set up',
} as const;

const EINVAL = -22;
const PAGE_SIZE = BigInt(AP_JUMP_TABLE_PAGE_SIZE);
const U64_MAX = (1n << 64n) - 1n;
const SZ_4G = 1n << 32n;

function readU16(memory: GuestMemoryPort, gpa: number): number {
  const b = memory.read(gpa, 2);
  return b[0]! | (b[1]! << 8);
}

function u16Bytes(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >> 8) & 0xff);
}

/**
 * sev_es_setup_ap_jump_table_data(): 16-bit code and data segments based at the page, in the blob's
 * GDT and in the trampoline's sev_ap_park_gdt; the real-mode data segment (v5); the GDTR base made
 * absolute. Limits of 0xffff keep the hidden segment state real-mode compatible.
 */
function setupJumpTableData(
  memory: GuestMemoryPort,
  pa: number,
  gdtOffset: number,
  parkGdtGpa: number,
): void {
  const code16 = gdtEntryBytes(gdtEntry(ACCESS_CODE16, pa, SEGMENT_LIMIT));
  const data16 = gdtEntryBytes(gdtEntry(ACCESS_DATA16, pa, SEGMENT_LIMIT));
  const blobGdt = pa + gdtOffset;
  for (const gdt of [blobGdt, parkGdtGpa]) {
    memory.write(gdt + SEV_APJT_CS16, code16);
    memory.write(gdt + SEV_APJT_DS16, data16);
  }
  memory.write(blobGdt + SEV_RM_DS, gdtEntryBytes(gdtEntry(ACCESS_DATA16, 0, SEGMENT_LIMIT)));
  const base = new DataView(memory.read(blobGdt + 2, 4).slice().buffer).getUint32(0, true);
  const fixed = new Uint8Array(4);
  new DataView(fixed.buffer).setUint32(0, (base + pa) >>> 0, true);
  memory.write(blobGdt + 2, fixed);
}

/** sev_es_setup_ap_jump_table(): the checks in the kernel's order, then the install. */
export function sevEsSetupApJumpTable(input: InstallInput): InstallOutcome {
  const { memory, log, blob } = input;
  if (!input.sevEs) return { kind: 'skipped', reason: 'not-sev-es' };
  if (input.sevSnp) return { kind: 'skipped', reason: 'sev-snp' };
  // The MSR-form AP reset hold (0x006/0x007) the blob uses is a GHCB protocol version 2 request.
  if (input.ghcbProtocol < 2) {
    log(INSTALL_LOG.ghcbProtocol);
    return { kind: 'skipped', reason: 'ghcb-protocol', message: INSTALL_LOG.ghcbProtocol };
  }
  const pa = input.jumpTableGpa & U64_MAX;
  // On UP guests there is no jump table, so this is not a failure.
  if (pa === 0n) return { kind: 'skipped', reason: 'no-jump-table' };
  if (pa % PAGE_SIZE !== 0n) return { kind: 'error', reason: 'misaligned', errno: EINVAL };
  // The address comes from the hypervisor: check overflow (u64 wrap) and the 16-bit code's 4 GiB reach.
  const end = (pa + PAGE_SIZE) & U64_MAX;
  if (end < pa || end > SZ_4G) {
    log(INSTALL_LOG.above4g);
    return { kind: 'error', reason: 'above-4g', errno: EINVAL, message: INSTALL_LOG.above4g };
  }
  const gpa = Number(pa);
  const savedResetVector = {
    ip: readU16(memory, gpa + HEADER.resetIp),
    cs: readU16(memory, gpa + HEADER.resetCs),
  };
  memory.write(gpa, blob.bytes);
  setupJumpTableData(memory, gpa, blob.gdtOffset, input.parkGdtGpa);
  const resetVector = input.resetVector ?? savedResetVector;
  memory.write(gpa + HEADER.resetIp, u16Bytes(resetVector.ip));
  memory.write(gpa + HEADER.resetCs, u16Bytes(resetVector.cs));
  log(INSTALL_LOG.installed);
  return { kind: 'installed', state: { gpa, blobSize: blob.bytes.length, savedResetVector, resetVector } };
}
