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
} satisfies Partial<Record<ExecKey, Handler>>;

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
  'divEb',
  'divEv',
  'idivEb',
  'idivEv',
  'aamIb',
  'boundGvMa',
]);
