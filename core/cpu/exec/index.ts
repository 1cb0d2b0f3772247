/**
 * The dispatch table: one handler per exec key of the opcode table (`opcodes/`), so decoding,
 * execution and disassembly read the same rows. A row whose key has no handler here is #UD.
 */

import type { Insn } from '../insn.ts';
import type { ExecKey } from '../opcodes/index.ts';
import type { CpuState } from '../state.ts';
import { aluHandlers } from './alu.ts';
import { bcdHandlers } from './bcd.ts';
import { bitHandlers } from './bits.ts';
import { controlHandlers } from './control.ts';
import { ioHandlers } from './io.ts';
import { miscHandlers } from './misc.ts';
import { moveHandlers } from './move.ts';
import { mulDivHandlers } from './muldiv.ts';
import { shiftHandlers } from './shift.ts';
import { stackHandlers } from './stack.ts';
import { stringHandlers } from './string.ts';
import { systemHandlers } from './system.ts';

export type Handler = (c: CpuState, i: Insn) => void;

export const handlers: Partial<Record<ExecKey, Handler>> = {
  ...aluHandlers,
  ...shiftHandlers,
  ...mulDivHandlers,
  ...bcdHandlers,
  ...bitHandlers,
  ...moveHandlers,
  ...stackHandlers,
  ...controlHandlers,
  ...stringHandlers,
  ...ioHandlers,
  ...systemHandlers,
  ...miscHandlers,
} satisfies Partial<Record<ExecKey, Handler>>;

/**
 * Exec keys of the opcode table with no handler, and why: executing one raises #UD, which is what
 * the modelled CPU does for each of them.
 */
export const UNSUPPORTED: Readonly<Partial<Record<ExecKey, string>>> = {
  arplEwGw: 'ARPL: #UD in real mode; protected-mode RPL adjustment is not used by the modelled code',
  clgi: 'CLGI: an SVM host instruction; #UD in a guest without EFER.SVME',
  stgi: 'STGI: an SVM host instruction; #UD in a guest without EFER.SVME',
  larGvEw: 'LAR: descriptor queries are not modelled',
  lslGvEw: 'LSL: descriptor queries are not modelled',
  verrEw: 'VERR: descriptor queries are not modelled',
  verwEw: 'VERW: descriptor queries are not modelled',
  pvalidate: 'PVALIDATE: SEV-SNP only; an SEV-ES guest gets #UD',
  rsm: 'RSM: no SMM',
  syscall: 'SYSCALL: no user mode in the modelled code (EFER.SCE is kept, the transfer is not)',
  sysret: 'SYSRET: no user mode in the modelled code',
};

/**
 * Exec keys after which a decoded block ends: anything that may change RIP, CS, the mode, paging,
 * the interrupt flag or the run state, so the next instruction is fetched afresh.
 */
export const ENDS_BLOCK: ReadonlySet<string> = new Set<string>([
  ...Object.keys(controlHandlers),
  ...Object.keys(systemHandlers).filter((k) => !['clc', 'stc', 'cmc', 'cld', 'std', 'nop'].includes(k)),
  ...Object.keys(ioHandlers),
  'movSwEw',
  'popSS',
  'popES',
  'popDS',
  'popFS',
  'popGS',
  'lssGvMp',
  'ldsGzMp',
  'lesGzMp',
  'lfsGvMp',
  'lgsGvMp',
  'popfFv',
]);
