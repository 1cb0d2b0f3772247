/**
 * The NT_PRSTATUS note of a crash dump: Linux's x86-64 struct elf_prstatus inside an ELF note named
 * "CORE", as crash_save_cpu() (kernel/crash_core.c) writes it into a CPU's crash_notes buffer and
 * /proc/vmcore hands it on. asm twin: asm/crash_nmi.S crash_save_cpu, which writes the same bytes.
 */

/** pr_reg, elf_gregset_t for x86-64 (arch/x86/include/asm/user_64.h struct user_regs_struct). */
export const PR_REG_NAMES = [
  'r15',
  'r14',
  'r13',
  'r12',
  'rbp',
  'rbx',
  'r11',
  'r10',
  'r9',
  'r8',
  'rax',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'orig_rax',
  'rip',
  'cs',
  'eflags',
  'rsp',
  'ss',
  'fs_base',
  'gs_base',
  'ds',
  'es',
  'fs',
  'gs',
] as const;
export type PrRegName = (typeof PR_REG_NAMES)[number];
export type PrRegs = Record<PrRegName, bigint>;

export const NT_PRSTATUS = 1;
/** sizeof(struct elf_prstatus) on x86-64: the common part (112 bytes), pr_reg, pr_fpvalid, padding. */
export const PRSTATUS_SIZE = 336;
export const PRSTATUS = { pid: 32, reg: 112, fpvalid: 328 } as const;
/** Note header (namesz, descsz, type) and the name "CORE\0" padded to 4 bytes. */
export const NOTE_HEADER = 12;
export const CORE_NOTE_DESC = 20;
/** The whole "CORE" NT_PRSTATUS note. */
export const PRSTATUS_NOTE_SIZE = CORE_NOTE_DESC + PRSTATUS_SIZE;
/** One CPU's crash_notes slot: the note, then final_note()'s 12 zero bytes (asm: CRASH_NOTE_SHIFT). */
export const CRASH_NOTE_BYTES = 512;

/**
 * The register values the kernel saves for a CPU, read from its architectural state: what
 * crash_setup_regs() captures on the crashing CPU. orig_rax is -1 (not in a system call).
 */
export function regsOf(get: (name: string) => bigint): PrRegs {
  const regs = {} as PrRegs;
  for (const name of PR_REG_NAMES) {
    regs[name] = name === 'orig_rax' ? 0xffff_ffff_ffff_ffffn : get(name === 'eflags' ? 'rflags' : name);
  }
  return regs;
}

/** append_elf_note("CORE", NT_PRSTATUS, &prstatus, sizeof(prstatus)) with pr_pid and pr_reg set. */
export function prstatusNote(pid: number, regs: PrRegs): Uint8Array {
  const out = new Uint8Array(PRSTATUS_NOTE_SIZE);
  const v = new DataView(out.buffer);
  v.setUint32(0, 5, true);
  v.setUint32(4, PRSTATUS_SIZE, true);
  v.setUint32(8, NT_PRSTATUS, true);
  out.set(new TextEncoder().encode('CORE'), NOTE_HEADER);
  v.setInt32(CORE_NOTE_DESC + PRSTATUS.pid, pid, true);
  PR_REG_NAMES.forEach((name, i) => {
    v.setBigUint64(CORE_NOTE_DESC + PRSTATUS.reg + i * 8, BigInt.asUintN(64, regs[name]), true);
  });
  return out;
}

/** pr_pid and pr_reg of an NT_PRSTATUS note, or null when the bytes are not one. */
export function readPrstatusNote(note: Uint8Array): { pid: number; regs: PrRegs } | null {
  if (note.length < PRSTATUS_NOTE_SIZE) return null;
  const v = new DataView(note.buffer, note.byteOffset, note.byteLength);
  const name = new TextDecoder().decode(note.subarray(NOTE_HEADER, NOTE_HEADER + 4));
  if (v.getUint32(0, true) !== 5 || v.getUint32(4, true) !== PRSTATUS_SIZE) return null;
  if (v.getUint32(8, true) !== NT_PRSTATUS || name !== 'CORE') return null;
  const regs = {} as PrRegs;
  PR_REG_NAMES.forEach((n, i) => {
    regs[n] = v.getBigUint64(CORE_NOTE_DESC + PRSTATUS.reg + i * 8, true);
  });
  return { pid: v.getInt32(CORE_NOTE_DESC + PRSTATUS.pid, true), regs };
}
