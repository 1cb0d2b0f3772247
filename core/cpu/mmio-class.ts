/**
 * Which MMIO access an instruction makes, for the #VC handler (Linux vc_handle_mmio). The
 * model is the kernel's `insn_decode_mmio` (arch/x86/lib/insn-eval.c), which switches on the opcode
 * bytes; here the switch is a table keyed by the opcode row's exec key, since each key names exactly
 * one of those opcodes (movEvGv is 89, movEbIb is C6 /0, clflushMb is 0F AE /7 with memory ...).
 * Names follow the kernel's `enum insn_mmio_type` (INSN_MMIO_WRITE ...), plus the CLFLUSH patch's skip.
 */
import type { Insn } from './insn.ts';
import type { ExecKey } from './opcodes/index.ts';

export type MmioClassName =
  | 'write'
  | 'write-imm'
  | 'read'
  | 'read-zero-extend'
  | 'read-sign-extend'
  | 'movs'
  | 'ignore';

export interface MmioClass {
  class: MmioClassName;
  /** Bytes of the memory access (0 for `ignore`). */
  bytes: number;
}

/** Access size: a fixed byte count, or 'opsize' for the instruction's operand size. */
type Size = 0 | 1 | 2 | 'opsize';

/** insn_decode_mmio's cases, by exec key. */
const MMIO_TABLE: Partial<Record<ExecKey, readonly [MmioClassName, Size]>> = {
  movEbGb: ['write', 1], // 88: MOV m8, r8
  movEvGv: ['write', 'opsize'], // 89: MOV m16/m32/m64, r16/r32/r64
  movEbIb: ['write-imm', 1], // C6 /0: MOV m8, imm8
  movEvIz: ['write-imm', 'opsize'], // C7 /0: MOV m16/m32/m64, imm16/imm32
  movGbEb: ['read', 1], // 8A: MOV r8, m8
  movGvEv: ['read', 'opsize'], // 8B: MOV r16/r32/r64, m16/m32/m64
  movzxGvEb: ['read-zero-extend', 1], // 0F B6
  movzxGvEw: ['read-zero-extend', 2], // 0F B7
  movsxGvEb: ['read-sign-extend', 1], // 0F BE
  movsxGvEw: ['read-sign-extend', 2], // 0F BF
  movsYbXb: ['movs', 1], // A4
  movsYvXv: ['movs', 'opsize'], // A5
  // 0F AE /7 with memory: CLFLUSH (66: CLFLUSHOPT, the same opcode and ModRM.reg). The hypervisor owns
  // cache management of emulated MMIO, so the handler skips the instruction.
  clflushMb: ['ignore', 0],
};

/**
 * The MMIO class of `insn`, or null when insn_decode_mmio would fail: an opcode outside the table, or
 * a ModRM form with a register operand (`89 C3`), which cannot touch MMIO. MOVS has no ModRM: its
 * memory operands are implicit.
 */
export function mmioClass(insn: Insn): MmioClass | null {
  const exec = insn.op.exec;
  if (exec === null) return null;
  const row = MMIO_TABLE[exec];
  if (row === undefined) return null;
  if (insn.hasModrm && insn.mod === 3) return null;
  const [cls, size] = row;
  return { class: cls, bytes: size === 'opsize' ? insn.opSize : size };
}
