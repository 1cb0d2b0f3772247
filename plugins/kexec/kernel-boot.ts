/**
 * Booting a test kernel, the first time (firmware, then the VMM's direct kernel boot) or as the
 * target of kexec: the boot info block, the kernel's run until its SMP bring-up report, and the parts
 * of the kernel written in C that the test kernels leave to the model: setup_real_mode()'s AP jump
 * table check before SMP bring-up (a panic for an unaligned table) and, after it, the series'
 * sev_es_setup_ap_jump_table() blob install (when no AP still executes jump-table code).
 */
import type { Machine } from '../../core/index.ts';
import { sevEsSetupApJumpTable } from '../jump-table/index.ts';
import { bootField, lastReport } from './boot-block.ts';
import { BOOT_COMMAND, encodeBootInfo, type KernelReport, REPORT_EVENT } from './boot-info.ts';
import { enterLongMode, identityMapBytes } from './direct-boot.ts';
import { loadKernelSegments, symbolValue } from './elf.ts';
import { firmwareParkAps } from './firmware.ts';
import { LOADER_LAYOUT, LOADER_OWNERS } from './layout.ts';
import { runUntil } from './run-until.ts';
import { type KernelFile, type KexecSession, stepBudget } from './session.ts';

export type BootOutcome =
  | { kind: 'booted'; report: KernelReport; nrCpus: number }
  | { kind: 'failed'; why: string };

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

/** The kernel's own checks on the segments: RAM, not firmware or loader memory, not the GHCBs. */
export function imageProblem(machine: Machine, file: KernelFile): string | null {
  const ghcbStart = machine.config.ghcbBase;
  const ghcbEnd = ghcbStart + machine.vcpus.length * 4096;
  for (const s of file.image.segments) {
    const end = s.paddr + s.memsz;
    if (end > machine.config.memory)
      return `segment ${s.index} of ${file.name} (${hex(s.paddr)}-${hex(end)}) lies beyond guest memory (${hex(machine.config.memory)} bytes)`;
    for (const r of machine.memory.reservedRanges())
      if (s.paddr < r.base + r.length && r.base < end)
        return `segment ${s.index} of ${file.name} (${hex(s.paddr)}-${hex(end)}) overlaps '${r.owner}' at ${hex(r.base)}`;
    if (machine.config.sev === 'es' && s.paddr < ghcbEnd && ghcbStart < end)
      return `segment ${s.index} of ${file.name} (${hex(s.paddr)}-${hex(end)}) overlaps the GHCB pages at ${hex(ghcbStart)}-${hex(ghcbEnd)}: give the machine another ghcbBase`;
  }
  return null;
}

/**
 * sev_es_get_jump_table_addr() as setup_real_mode() uses it: the GPA the kernel writes its reset
 * vector to, or 0 when no AP can start under SEV-ES. An unaligned GPA is left to
 * sevEsSetupRealMode() (mainline sev_es_setup_ap_jump_table's -EINVAL, then panic()).
 */
function usableJumpTable(machine: Machine): bigint {
  if (machine.config.sev !== 'es') return 0n;
  const bsp = machine.vcpu(0);
  const r = machine.kernel.getApJumpTable(bsp);
  if (!r.ok) {
    machine.kernel.print(bsp, `SEV-ES: ${r.why}`);
    return 0n;
  }
  const gpa = r.gpa;
  if (gpa === 0 || gpa % 4096 !== 0) return 0n;
  // A limit of the test kernels, not of Linux: they identity-map the low 4 GiB only, and guest RAM
  // ends at config.memory (OVMF always allocates the page below 4 GiB). Mainline Linux has no such
  // check here: ioremap_encrypted() maps the page wherever it is.
  if (gpa + 4096 > Math.min(machine.config.memory, 2 ** 32)) {
    machine.log.append({
      kind: 'log',
      vcpu: 0,
      source: 'kexec',
      message: `test kernel limit: AP jump table at ${hex(gpa)} is outside the test kernels' identity map and RAM; APs cannot start`,
    });
    return 0n;
  }
  return BigInt(gpa);
}

/** setup_real_mode()'s panic when sev_es_setup_ap_jump_table() fails (arch/x86/realmode/init.c). */
export const AP_JUMP_TABLE_PANIC = 'Failed to get/update SEV-ES AP Jump Table';

/**
 * sme_sev_setup_real_mode() (arch/x86/realmode/init.c, an early initcall, before SMP bring-up):
 * mainline sev_es_setup_ap_jump_table() returns -EINVAL for a GPA that is not page aligned ("Check if
 * AP Jump Table is page-aligned"), and the caller panics. The panic goes through the kernel model's
 * panic(), so a loaded crash kernel would take the CPU over. Null when the kernel goes on booting.
 */
function sevEsSetupRealMode(machine: Machine, file: KernelFile): BootOutcome | null {
  const gpa = machine.config.sev === 'es' ? machine.kernel.apJumpTable : null;
  if (gpa === null || gpa === 0 || gpa % 4096 === 0) return null;
  const p = machine.kernel.panic(machine.vcpu(0), AP_JUMP_TABLE_PANIC);
  const after = p.kind === 'took-over' ? `; ${p.by} took cpu0 over` : '; cpu0 stopped';
  return { kind: 'failed', why: `kernel ${file.name} panicked: ${AP_JUMP_TABLE_PANIC}${after}` };
}

function reserveLoaderMemory(machine: Machine): void {
  const m = machine.memory;
  if (!m.reservedAt(LOADER_LAYOUT.bootInfo))
    m.reserve(LOADER_LAYOUT.bootInfo, 0x2000, LOADER_OWNERS.bootInfo);
  if (!m.reservedAt(LOADER_LAYOUT.kexecControl))
    m.reserve(LOADER_LAYOUT.kexecControl, 0x1000, LOADER_OWNERS.kexecControl);
  if (!m.reservedAt(LOADER_LAYOUT.pageTable)) {
    m.reserve(LOADER_LAYOUT.pageTable, LOADER_LAYOUT.pageTableSize, LOADER_OWNERS.pageTable);
    m.write(LOADER_LAYOUT.pageTable, identityMapBytes(LOADER_LAYOUT.pageTable));
  }
}

/** Copies the image into place and writes a fresh boot info block for it (loader or kexec). */
export function placeKernel(machine: Machine, file: KernelFile): void {
  loadKernelSegments(machine.memory, file.bytes, file.image);
  // A new kernel's sev_es_get_jump_table_addr() asks the hypervisor again.
  machine.kernel.apJumpTable = null;
  const nrCpus = machine.vcpus.length;
  machine.memory.write(LOADER_LAYOUT.onlineFlags, new Uint8Array(nrCpus));
  machine.memory.write(
    LOADER_LAYOUT.bootInfo,
    encodeBootInfo({
      jumpTableGpa: usableJumpTable(machine),
      nrCpus,
      sevEs: machine.config.sev === 'es',
      onlineFlagsGpa: LOADER_LAYOUT.onlineFlags,
      kexecControlGpa: LOADER_LAYOUT.kexecControl,
      // The loader's direct-boot identity map: reserved, so no kernel image ever covers it.
      kexecPgdGpa: LOADER_LAYOUT.pageTable,
    }),
  );
}

/** Runs the kernel until its SMP bring-up report (unless setup_real_mode panics), then the blob install. */
export function awaitKernel(machine: Machine, session: KexecSession, file: KernelFile): BootOutcome {
  const panicked = sevEsSetupRealMode(machine, file);
  if (panicked) return panicked;
  const id = kernelId(file);
  const r = runUntil(
    machine,
    `kernel ${file.name} did not finish SMP bring-up`,
    () => {
      const rep = lastReport(machine);
      return rep !== null && rep.kernelId === id && rep.event === REPORT_EVENT.smpBooted;
    },
    stepBudget(machine, session),
  );
  if (r.kind === 'stuck') return { kind: 'failed', why: r.why };
  session.kernel = file;
  session.install = null;
  installBlob(machine, session);
  return { kind: 'booted', report: lastReport(machine)!, nrCpus: machine.vcpus.length };
}

/** The id letter of the kernel's reports (its absolute symbol kernel_id, KERNEL_ID in kernel.S). */
export const kernelId = (file: KernelFile): string =>
  String.fromCharCode(symbolValue(file.image, 'kernel_id'));

/** First boot: firmware, loader, kernel. */
export function bootKernel(machine: Machine, session: KexecSession, file: KernelFile): BootOutcome {
  if (session.kernel)
    return { kind: 'failed', why: `kernel ${session.kernel.name} is already running; use kexec` };
  if (machine.config.sev === 'es' && machine.kernel.negotiated === null && !machine.boot())
    return { kind: 'failed', why: `firmware boot failed: ${machine.hv.terminated?.reason ?? 'unknown'}` };
  reserveLoaderMemory(machine);
  const problem = imageProblem(machine, file);
  if (problem) return { kind: 'failed', why: problem };
  if (!session.firmwareDone) {
    const fw = firmwareParkAps(machine);
    if (fw.kind === 'failed') return { kind: 'failed', why: fw.why };
    session.firmwareDone = true;
  }
  placeKernel(machine, file);
  bootField.write32(machine, 'command', BOOT_COMMAND.none);
  enterLongMode(machine, file.image.entry, LOADER_LAYOUT.bootInfo);
  machine.hv.setState(machine.vcpu(0), 'running', 'direct kernel boot');
  return awaitKernel(machine, session, file);
}

/**
 * The series' sev_es_setup_ap_jump_table() (v4+): install the blob and remember it in the kernel's
 * sev_ap_jumptable_blob_installed, which stop_this_cpu() and play_dead() read.
 */
export function installBlob(machine: Machine, session: KexecSession): void {
  const file = session.kernel;
  if (!file) return;
  const bsp = machine.vcpu(0);
  const sevEs = machine.config.sev === 'es';
  const got = sevEs ? machine.kernel.getApJumpTable(bsp) : null;
  const tramp = symbolValue(file.image, 'trampoline_start');
  const outcome = sevEsSetupApJumpTable({
    memory: machine.memory,
    log: (line) => machine.kernel.print(bsp, line),
    sevEs,
    sevSnp: session.sevSnp,
    ghcbProtocol: machine.kernel.negotiated?.version ?? 0,
    jumpTableGpa: got?.ok ? BigInt(got.gpa) : 0n,
    blob: session.blob,
    parkGdtGpa: symbolValue(file.image, 'sev_ap_park_gdt'),
    resetVector: { cs: tramp >> 4, ip: symbolValue(file.image, 'sev_es_trampoline_start') - tramp },
  });
  session.install = outcome;
  if (outcome.kind === 'installed')
    machine.memory.write(symbolValue(file.image, 'sev_ap_jumptable_blob_installed'), Uint8Array.of(1));
}
