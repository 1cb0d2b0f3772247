/**
 * The #VC handler row for SVM_EXIT_NPF: vc_handle_mmio (arch/x86/kernel/sev.c, with the series' patch
 * "x86/sev: Handle CLFLUSH MMIO events" and the later guard rails). The #VC frame carries no address:
 * the handler classifies the real instruction bytes at RIP (insn_decode_mmio), computes the memory
 * operand's address itself, and asks the hypervisor for the access through the GHCB.
 *
 * Register write-back follows the architecture. Where the 2021 kernel differed:
 *  - MOVZX/MOVSX into a 32-bit register did not clear bits 63:32 (it filled only opnd_bytes);
 *  - MOV m64, imm32 (REX.W C7) copied the immediate's 8 raw bytes instead of sign-extending imm32;
 *  - byte registers 4-7 without REX (AH, CH, DH, BH) were taken as SPL, BPL, SIL, DIL (operands.ts).
 */
import {
  bigintToLe,
  type Insn,
  leToBigint,
  type MmioClassName,
  mmioClass,
  SVM_EXIT,
  type VcContext,
  type VcHandler,
  type VcResult,
} from '../../core/index.ts';
import { doMmio } from './do-mmio.ts';
import { handleMovs, type NestedVcNote } from './movs.ts';
import { memoryOperand, readRegOperand, signExtend, writeRegOperand } from './operands.ts';

/** How a read class puts the loaded value into the ModRM.reg register: destination width and value. */
const READ_BACK: Record<
  'read' | 'read-zero-extend' | 'read-sign-extend',
  (insn: Insn, bytes: number, loaded: bigint) => { width: number; value: bigint }
> = {
  // 8A/8B: the register at the access width (8/16 keep the rest, 32 zero-extends, 64 replaces).
  read: (_insn, bytes, loaded) => ({ width: bytes, value: loaded }),
  // 0F B6/B7: zero-extended to the operand size.
  'read-zero-extend': (insn, _bytes, loaded) => ({ width: insn.opSize, value: loaded }),
  // 0F BE/BF: filled with the sign of the loaded byte or word, to the operand size.
  'read-sign-extend': (insn, bytes, loaded) => ({ width: insn.opSize, value: signExtend(loaded, bytes) }),
};

/** The value a write class stores: the ModRM.reg register, or the immediate sign-extended to the size. */
const WRITE_VALUE: Record<'write' | 'write-imm', (ctx: VcContext, bytes: number) => bigint> = {
  write: (ctx, bytes) => readRegOperand(ctx.insn, ctx.regs, bytes),
  'write-imm': (ctx) => BigInt(ctx.insn.imm),
};

const isRead = (c: MmioClassName): c is keyof typeof READ_BACK => c in READ_BACK;
const isWrite = (c: MmioClassName): c is keyof typeof WRITE_VALUE => c in WRITE_VALUE;

/** Builds the row; `note` records nested #VCs of MOVS in the event log. */
export function npfVcHandler(note: NestedVcNote): VcHandler {
  return {
    exitCode: SVM_EXIT.NPF,
    name: 'MMIO',
    handle: (ctx) => handleMmio(ctx, note),
  };
}

export function handleMmio(ctx: VcContext, note: NestedVcNote): VcResult {
  const { insn, regs } = ctx;
  // Why: an NPF #VC for an instruction that cannot access memory this way was not raised by the
  // hardware (WeSee): the instruction at RIP must be one insn_decode_mmio knows.
  const cls = mmioClass(insn);
  if (cls === null)
    return {
      result: 'ES_DECODE_FAILED',
      why: 'the instruction at RIP is not one that MMIO emulation handles',
    };
  // CLFLUSH: the hypervisor owns cache management of emulated MMIO; skip the instruction.
  if (cls.class === 'ignore') return { result: 'ES_OK' };
  // Why: user space must not reach emulated MMIO through the kernel (CVE-2023-46813); Linux answers
  // ES_UNSUPPORTED and signals the task. The model has no tasks, so the VM stops like any kernel #VC
  // failure.
  if (regs.cpl() === 3) return { result: 'ES_UNSUPPORTED', why: 'MMIO emulation from user mode is refused' };
  if (cls.class === 'movs') return handleMovs(ctx, cls.bytes, note);
  const ref = memoryOperand(insn, regs, cls.bytes);
  if (!ref.ok) return { result: 'ES_UNSUPPORTED', why: ref.why };
  if (isWrite(cls.class)) {
    const data = bigintToLe(WRITE_VALUE[cls.class](ctx, cls.bytes), cls.bytes);
    const out = doMmio(ctx, ref.linear, cls.bytes, true, data);
    return out.ok ? { result: 'ES_OK' } : out.result;
  }
  if (!isRead(cls.class)) return { result: 'ES_UNSUPPORTED', why: `no emulation for ${cls.class}` };
  const out = doMmio(ctx, ref.linear, cls.bytes, false);
  if (!out.ok) return out.result;
  const { width, value } = READ_BACK[cls.class](insn, cls.bytes, leToBigint(out.data));
  writeRegOperand(insn, regs, width, value);
  return { result: 'ES_OK' };
}
