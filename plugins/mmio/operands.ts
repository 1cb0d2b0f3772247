/**
 * The #VC handler's view of the instruction's operands, modelled on arch/x86/lib/insn-eval.c:
 * the memory operand's address (insn_get_addr_ref) and the ModRM.reg register (insn_get_modrm_reg_ptr),
 * read from and written to pt_regs by the architecture's rules.
 */
import { GPR64_NAMES, type Insn, SEG, type VcRegs } from '../../core/index.ts';

/** pt_regs slots in ModRM register order (SDM Vol. 2, table 2-2 with REX). */
export const GPR = GPR64_NAMES;

const RSP = 4;
const RBP = 5;

export const widthMask = (bytes: number): bigint => (1n << BigInt(bytes * 8)) - 1n;

/** A memory operand: segment, offset within it (already truncated to the address size), linear address. */
export type AddrRef = { ok: true; seg: number; offset: bigint; linear: bigint } | { ok: false; why: string };

/**
 * insn_get_seg_base: in 64-bit mode only FS and GS have a base; elsewhere the descriptor's base. The
 * linear address wraps at 2^64, or at 2^32 outside 64-bit mode.
 */
export function linearOf(insn: Insn, regs: VcRegs, seg: number, offset: bigint, bytes: number): AddrRef {
  if (insn.codeSize === 64) {
    const base = seg === SEG.FS || seg === SEG.GS ? regs.segment(seg).base : 0n;
    return { ok: true, seg, offset, linear: BigInt.asUintN(64, base + offset) };
  }
  const { base, limit } = regs.segment(seg);
  // get_addr_ref_16/32: an offset past the segment limit gives no address (hardware would have
  // raised #GP before any #VC, so only a forged #VC gets here).
  if (offset + BigInt(Math.max(bytes, 1) - 1) > BigInt(limit))
    return { ok: false, why: `offset 0x${offset.toString(16)} is past the limit of segment ${seg}` };
  return { ok: true, seg, offset, linear: BigInt.asUintN(32, base + offset) };
}

/**
 * insn_get_addr_ref: base + index * scale + displacement (RIP-relative from the next instruction),
 * truncated to the address size; the default segment is SS for an rSP or rBP base, DS otherwise,
 * unless a prefix overrides it.
 */
export function memoryOperand(insn: Insn, regs: VcRegs, bytes: number): AddrRef {
  let ea = BigInt(insn.disp);
  if (insn.base >= 0) ea += regs.get(GPR[insn.base]!);
  if (insn.index >= 0) ea += regs.get(GPR[insn.index]!) * BigInt(insn.scale);
  if (insn.ripRelative) ea += regs.get('rip') + BigInt(insn.length);
  const offset = ea & widthMask(insn.addrSize);
  const stackBase = insn.base === RSP || insn.base === RBP;
  const seg = insn.segOverride !== -1 ? insn.segOverride : stackBase ? SEG.SS : SEG.DS;
  return linearOf(insn, regs, seg, offset, bytes);
}

/**
 * The pt_regs slot ModRM.reg names, and where in it the operand sits: byte registers 4-7 are AH, CH,
 * DH, BH (bits 15:8 of slots 0-3) without a REX prefix and SPL, BPL, SIL, DIL with one (SDM 3.4.1.1).
 * Linux insn_get_modrm_reg_ptr returns the slot of register 4-7 in both cases, so `mov ah, [mmio]`
 * lands in the low byte of RSP there; the model follows the architecture.
 */
export function regOperand(insn: Insn, bytes: number): { slot: (typeof GPR)[number]; shift: bigint } {
  if (bytes === 1 && insn.rex === 0 && insn.reg >= 4 && insn.reg < 8)
    return { slot: GPR[insn.reg - 4]!, shift: 8n };
  return { slot: GPR[insn.reg]!, shift: 0n };
}

export function readRegOperand(insn: Insn, regs: VcRegs, bytes: number): bigint {
  const { slot, shift } = regOperand(insn, bytes);
  return (regs.get(slot) >> shift) & widthMask(bytes);
}

/**
 * A register write of `width` bytes (SDM 3.4.1.1): 8- and 16-bit writes keep the rest of the register,
 * a 32-bit write zeroes bits 63:32, a 64-bit write replaces it.
 */
export function writeRegOperand(insn: Insn, regs: VcRegs, width: number, value: bigint): void {
  const { slot, shift } = regOperand(insn, width);
  const mask = widthMask(width);
  const v = value & mask;
  if (width >= 4) regs.set(slot, v);
  else regs.set(slot, (regs.get(slot) & ~(mask << shift)) | (v << shift));
}

/** Sign-extends the low `bytes` of `value` to 64 bits. */
export const signExtend = (value: bigint, bytes: number): bigint =>
  BigInt.asUintN(64, BigInt.asIntN(bytes * 8, value));
