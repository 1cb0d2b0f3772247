/**
 * Runs one SingleStepTests 80286 real-mode case (github.com/SingleStepTests/80286, captured from a
 * Harris 80C286) on the interpreter: load registers and RAM, run until the HLT that follows the
 * instruction, compare registers, flags (masked) and RAM. The flag masks and the excluded forms are
 * data (`singlestep-tables.ts`), each row with its reason.
 */
import { GuestMemory } from '../memory/guest-memory.ts';
import { Cpu } from './cpu.ts';
import { DecodeCache } from './decode-cache.ts';
import { decode } from './decoder/index.ts';
import type { Platform } from './platform.ts';
import {
  EXCEPTION_DIFFERENCES,
  EXCLUDED_FORMS,
  EXCLUDED_LOCK,
  EXCLUDED_UNDEFINED_ENCODING,
  REAL_MODE_FLAG_MASK,
  UNDEFINED_FLAGS,
} from './singlestep-tables.ts';

export interface SingleStepRegs {
  ax: number;
  bx: number;
  cx: number;
  dx: number;
  cs: number;
  ss: number;
  ds: number;
  es: number;
  sp: number;
  bp: number;
  si: number;
  di: number;
  ip: number;
  flags: number;
}

export interface SingleStepCase {
  idx: number;
  name: string;
  bytes: number[];
  hash: string;
  initial: { regs: SingleStepRegs; ram: [number, number][] };
  final: { regs: Partial<SingleStepRegs>; ram: [number, number][] };
  /** Present when the instruction raised an exception: its vector and where FLAGS was pushed. */
  exception?: { number: number; flag_address: number };
}

export type CaseOutcome =
  | { kind: 'pass' }
  | { kind: 'fail'; diffs: string[] }
  | { kind: 'excluded'; form: string; reason: string };

const REG_ORDER = ['ax', 'bx', 'cx', 'dx', 'cs', 'ss', 'ds', 'es', 'sp', 'bp', 'si', 'di', 'ip'] as const;
const PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0xf0, 0xf2, 0xf3]);
/** Opcodes whose ModRM.reg picks the instruction: their form name carries `.reg` (as the file names do). */
const GROUPS = new Set([0x80, 0x81, 0x82, 0x83, 0xc0, 0xc1, 0xd0, 0xd1, 0xd2, 0xd3, 0xf6, 0xf7, 0xfe, 0xff]);

const hex2 = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');

/** The instruction form of a case, as the sample's file names spell it: `00`, `F6.4`, `0F.B6`. */
export function formOf(bytes: readonly number[]): string {
  let p = 0;
  while (p < bytes.length && PREFIXES.has(bytes[p]!)) p++;
  const op = bytes[p] ?? 0;
  if (GROUPS.has(op)) return `${hex2(op)}.${((bytes[p + 1] ?? 0) >> 3) & 7}`;
  return hex2(op);
}

/** A LOCK prefix x86-64 refuses (#UD) on a form the 286 executes as if it were absent. */
function lockRejected(bytes: readonly number[]): boolean {
  const d = decode(Uint8Array.from(bytes), 0, bytes.length, 16);
  return 'kind' in d && d.reason === 'lock';
}

/** All I/O reads see a floating bus (the sample's INS results are 0xFF bytes); writes go nowhere. */
const floatingBus: Platform = {
  cpuid: () => ({ eax: 0, ebx: 0, ecx: 0, edx: 0 }),
  rdmsr: () => undefined,
  wrmsr: () => false,
  ioIn: (_port, size) => (size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff),
  ioOut: () => {},
  mmioRead: () => 0n,
  mmioWrite: () => {},
};

/** A reusable harness: 16 MiB of RAM (the 286's address space) and one vCPU. */
export class SingleStepRunner {
  private readonly memory = new GuestMemory({ size: 16 * 1024 * 1024 });
  private readonly cache = new DecodeCache();
  private readonly cpu = new Cpu({
    memory: this.memory,
    platform: floatingBus,
    sevEs: false,
    decodeCache: this.cache,
  });
  /**
   * `compileAfter` 0 runs every case through compiled blocks (exec/compile.ts) instead of the
   * pre-bound closures, and `specialise: false` through the generic handlers only, so every
   * execution path meets the same outside truth.
   */
  constructor(opts: { compileAfter?: number; specialise?: boolean } = {}) {
    this.cache.compileAfter = opts.compileAfter ?? Number.POSITIVE_INFINITY;
    this.cache.specialise = opts.specialise ?? true;
    // The cases' `exception` names faults only; INT n/INT3/INTO are part of the instruction.
    this.cpu.addInterruptHook((e) => {
      if (e.kind !== 'software') this.vectors.push(e.vector);
    });
  }

  /** Vectors delivered during the current case, in order. */
  private readonly vectors: number[] = [];

  run(t: SingleStepCase): CaseOutcome {
    const form = formOf(t.bytes);
    const excluded = EXCLUDED_FORMS[form];
    if (excluded !== undefined) return { kind: 'excluded', form, reason: excluded };
    if (lockRejected(t.bytes)) return { kind: 'excluded', form: `F0 ${form}`, reason: EXCLUDED_LOCK };
    if (t.name === '(bad)') return { kind: 'excluded', form, reason: EXCLUDED_UNDEFINED_ENCODING };
    const cpu = this.cpu;
    const mem = this.memory;
    this.cache.clear();
    cpu.reset();
    for (const [addr, byte] of t.initial.ram) mem.write8(addr, byte);
    const r = t.initial.regs;
    for (const name of REG_ORDER) cpu.setReg(name, BigInt(r[name]));
    // The 286 holds FLAGS bits 15:12 at zero in real mode; an x86-64 CPU would keep IOPL/NT as loaded,
    // and they would show in every flags image the instruction pushes.
    cpu.setReg('flags', BigInt(r.flags & REAL_MODE_FLAG_MASK));
    this.vectors.length = 0;
    const stop = cpu.run({ maxInstructions: 1000 });
    const ours = this.vectors[0] ?? null;
    const theirs = t.exception?.number ?? null;
    const rule = EXCEPTION_DIFFERENCES.find(
      (d) =>
        d.ours === ours &&
        d.theirs === theirs &&
        (d.forms === undefined || d.forms.includes(form)) &&
        t.bytes.length - 1 > (d.longerThan ?? 0),
    );
    if (rule !== undefined) return { kind: 'excluded', form, reason: rule.reason };
    const diffs: string[] = [];
    if (stop.kind !== 'hlt')
      diffs.push(
        `stopped with ${JSON.stringify(stop, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`,
      );
    for (const name of REG_ORDER) {
      const want = t.final.regs[name] ?? r[name];
      const got = Number(cpu.getReg(name));
      if (got !== want) diffs.push(`${name} = 0x${got.toString(16)}, want 0x${want.toString(16)}`);
    }
    const mask = REAL_MODE_FLAG_MASK & ~(UNDEFINED_FLAGS[form] ?? 0);
    const wantFlags = t.final.regs.flags ?? r.flags;
    const gotFlags = Number(cpu.getReg('flags'));
    if ((gotFlags & mask) !== (wantFlags & mask)) {
      diffs.push(
        `flags = 0x${gotFlags.toString(16)}, want 0x${wantFlags.toString(16)} (mask 0x${mask.toString(16)})`,
      );
    }
    // The FLAGS image an exception pushed holds the same undefined bits as the register.
    // Computed from SS:SP: the sample's flag_address is one byte low when SP is odd.
    const flagsAt = t.exception === undefined ? -1 : r.ss * 16 + ((r.sp - 2) & 0xffff);
    for (const [addr, byte] of t.final.ram) {
      const got = mem.read8(addr);
      const m = addr === flagsAt ? mask & 0xff : addr === flagsAt + 1 ? mask >> 8 : 0xff;
      if ((got & m) !== (byte & m))
        diffs.push(`[0x${addr.toString(16)}] = 0x${got.toString(16)}, want 0x${byte.toString(16)}`);
    }
    return diffs.length === 0 ? { kind: 'pass' } : { kind: 'fail', diffs };
  }
}
