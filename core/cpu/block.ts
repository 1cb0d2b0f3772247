/**
 * Decoded blocks: a straight run of instructions inside one page, decoded once and cached per machine
 * (DecodeCache) by guest-physical address and code size. A block ends at any instruction that may
 * change RIP, CS, the mode or the run state (exec/index.ts ENDS_BLOCK), at a REP string instruction
 * (it may restart itself), at the page end, or after MAX_BLOCK instructions. Each instruction carries
 * its pre-bound operation; a hot block also gets a compiled function (exec/compile.ts).
 */
import type { CachedBlock } from './decode-cache.ts';
import { type DecodeError, decode } from './decoder/index.ts';
import { binders, type Op } from './exec/bind.ts';
import { type CompiledBlock, compileBlock } from './exec/compile.ts';
import { ENDS_BLOCK, type Handler, handlers } from './exec/index.ts';
import { fault, type GuestFault, VECTOR } from './fault.ts';
import type { CodeSize, Insn } from './insn.ts';
import type { CpuState } from './state.ts';

export interface Block extends CachedBlock {
  readonly insns: Insn[];
  /** One pre-bound operation per instruction (exec/bind.ts). */
  readonly ops: Op[];
  readonly lens: number[];
  /** Times run through the closures; at DecodeCache.compileAfter it is compiled (exec/compile.ts). */
  runs: number;
  fn: CompiledBlock | null;
  /** The block that followed this one last time, and its cache key (a one-entry chain). */
  succKey: number;
  succ: Block | null;
  /** RIP and Tlb.fetchEpoch when `succ` was found: the chain holds while both match. */
  succRip: number;
  succEpoch: number;
}

const MAX_BLOCK = 64;
export const SIZE_INDEX = { 16: 0, 32: 1, 64: 2 } as const;
const STRING_KEYS: ReadonlySet<string> = new Set([
  'movsYbXb',
  'movsYvXv',
  'cmpsXbYb',
  'cmpsXvYv',
  'stosYbAL',
  'stosYvrAX',
  'lodsALXb',
  'lodsrAXXv',
  'scasALYb',
  'scasrAXYv',
  'insYbDX',
  'insYzDX',
  'outsDXXb',
  'outsDXXz',
]);

function undefinedOpcode(why: string): Handler {
  return () => {
    throw fault(VECTOR.UD, -1, why);
  };
}

/** The block operation of an instruction: a specialised closure, or the generic handler bound to it. */
function opFor(insn: Insn, specialise: boolean): Op {
  const key = insn.op.exec;
  const special = key === null || !specialise ? undefined : binders[key]?.(insn);
  if (special) return special;
  const h = handlerFor(insn);
  return (c) => h(c, insn);
}

export function handlerFor(insn: Insn): Handler {
  const key = insn.op.exec;
  if (key === null) return undefinedOpcode(`'${insn.op.mnemonic}' is decoded but not executed`);
  return handlers[key] ?? undefinedOpcode(`no handler for '${key}'`);
}

export function decodeFault(e: DecodeError): GuestFault {
  return e.reason === 'too-long'
    ? fault(VECTOR.GP, 0, 'instruction longer than 15 bytes')
    : fault(VECTOR.UD, -1, `undefined opcode: ${e.reason}`);
}

export function buildBlock(c: CpuState, gfn: number, off: number, key: number): Block | null {
  const page = c.memory.ramPage(gfn, true);
  if (page === undefined) return null;
  const insns: Insn[] = [];
  const ops: Op[] = [];
  const lens: number[] = [];
  const codeSize: CodeSize = c.codeSize;
  let p = off;
  while (insns.length < MAX_BLOCK && p < 4096) {
    const d = decode(page, p, 4096, codeSize);
    if ('kind' in d) {
      if (insns.length > 0) break;
      if (d.reason === 'truncated') return null;
      throw decodeFault(d);
    }
    insns.push(d);
    ops.push(opFor(d, c.cache.specialise));
    lens.push(d.length);
    p += d.length;
    const k = d.op.exec;
    if (k === null || ENDS_BLOCK.has(k) || (d.rep !== 0 && STRING_KEYS.has(k))) break;
  }
  const fn = c.cache.compileAfter === 0 ? compileBlock(insns) : null;
  const blk: Block = {
    valid: true,
    insns,
    ops,
    lens,
    runs: 0,
    fn,
    succKey: -1,
    succ: null,
    succRip: Number.NaN,
    succEpoch: -1,
  };
  c.cache.put(key, gfn, blk);
  return blk;
}
