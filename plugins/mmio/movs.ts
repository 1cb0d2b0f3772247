/**
 * vc_handle_mmio_movs (arch/x86/kernel/sev.c): MOVS with an MMIO side. The handler does not guess
 * which side is MMIO: it copies one element from DS:rSI to ES:rDI through an 8-byte bounce buffer,
 * and the side that is MMIO takes its own (nested) #VC, emulated like any other MMIO access. With REP
 * it counts rCX down and leaves RIP at the instruction (ES_RETRY) until rCX reaches 0, one element
 * per #VC.
 *
 * Where the model follows the architecture instead of the 2021 kernel:
 *  - the source segment honours a segment override (the kernel always used DS);
 *  - rSI, rDI and rCX are used and updated at the address size (the kernel used the full registers,
 *    wrong for a 0x67 prefix);
 *  - REP with rCX = 0 moves nothing (the kernel copied one element and wrapped rCX).
 */
import { type Insn, SEG, type VcContext, type VcResult, X86_TRAP_VC } from '../../core/index.ts';
import { doMmio, exception } from './do-mmio.ts';
import { linearOf, widthMask } from './operands.ts';

const EFLAGS_DF = 1n << 10n;
const SVM_EXIT_NPF = 0x400;

/** Reports a nested #VC (the kernel's bounce-buffer copy touching MMIO), for the event log. */
export type NestedVcNote = (ctx: VcContext, message: string) => void;

/** A string-operation register at the address size: 16-bit keeps bits 63:16, 32-bit zero-extends. */
function stepRegister(ctx: VcContext, insn: Insn, name: 'rsi' | 'rdi' | 'rcx', delta: bigint): bigint {
  const mask = widthMask(insn.addrSize);
  const old = ctx.regs.get(name);
  const next = (old + delta) & mask;
  ctx.regs.set(name, insn.addrSize === 2 ? (old & ~mask) | next : next);
  return next;
}

type Side = { read: true } | { read: false; data: Uint8Array };

/** One side of the copy: plain memory through the vCPU's mapping, or MMIO through a nested #VC. */
function access(
  ctx: VcContext,
  seg: number,
  offset: bigint,
  bytes: number,
  side: Side,
  note: NestedVcNote,
): Uint8Array | VcResult {
  const { insn, regs } = ctx;
  const r = side.read
    ? regs.readVirt(seg, offset, bytes)
    : (regs.writeVirt(seg, offset, side.data) ?? side.data);
  if (r instanceof Uint8Array) return r;
  if (r.vector !== X86_TRAP_VC || r.errorCode !== SVM_EXIT_NPF) return exception(r);
  const ref = linearOf(insn, regs, seg, offset, bytes);
  if (!ref.ok) return { result: 'ES_DECODE_FAILED', why: ref.why };
  note(ctx, `nested #VC (SVM_EXIT_NPF): MOVS ${side.read ? 'reads' : 'writes'} ${bytes} bytes of MMIO`);
  const out = doMmio(ctx, ref.linear, bytes, !side.read, side.read ? undefined : side.data);
  return out.ok ? out.data : out.result;
}

export function handleMovs(ctx: VcContext, bytes: number, note: NestedVcNote): VcResult {
  const { insn, regs } = ctx;
  const aMask = widthMask(insn.addrSize);
  const rep = insn.rep !== 0;
  if (rep && (regs.get('rcx') & aMask) === 0n) return { result: 'ES_OK' };
  const srcSeg = insn.segOverride !== -1 ? insn.segOverride : SEG.DS;
  const buffer = access(ctx, srcSeg, regs.get('rsi') & aMask, bytes, { read: true }, note);
  if (!(buffer instanceof Uint8Array)) return buffer;
  const wrote = access(ctx, SEG.ES, regs.get('rdi') & aMask, bytes, { read: false, data: buffer }, note);
  if (!(wrote instanceof Uint8Array)) return wrote;
  const delta = (regs.get('rflags') & EFLAGS_DF) !== 0n ? -BigInt(bytes) : BigInt(bytes);
  stepRegister(ctx, insn, 'rsi', delta);
  stepRegister(ctx, insn, 'rdi', delta);
  if (!rep) return { result: 'ES_OK' };
  return stepRegister(ctx, insn, 'rcx', -1n) === 0n ? { result: 'ES_OK' } : { result: 'ES_RETRY' };
}
