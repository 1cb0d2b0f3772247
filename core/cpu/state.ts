/**
 * The architectural state of one vCPU, as plain fields the interpreter reads directly. Everything here
 * is small and fixed-size: a machine holds thousands of vCPUs, most of them idle. The software TLB is
 * allocated on first use (`Tlb`), not here.
 */
import type { DecodeCache } from './decode-cache.ts';
import { FLAGS_FIXED, type FlagState, LAZY, type LazyOp } from './flags.ts';
import type { CodeSize } from './insn.ts';
import type { EventKind } from './interrupts.ts';
import type { CpuMemory } from './memory-port.ts';
import type { Platform } from './platform.ts';
import type { StopReason } from './stop-reason.ts';
import type { Tlb } from './tlb.ts';

/** Segment register slots: the six of SEG, then LDTR and TR (same hidden-part layout). */
export const SEGS = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5, LDTR: 6, TR: 7 } as const;

/**
 * Segment attributes in the VMCB/VMSA packed form (APM Vol. 2, 15.5.1 "Segment state"): type 3:0,
 * S 4, DPL 6:5, P 7, AVL 8, L 9, D/B 10, G 11.
 */
export const ATTR = { S: 0x10, P: 0x80, L: 0x200, DB: 0x400, G: 0x800 } as const;

export type VcDelivery = 'model' | 'idt';

/** A memory-access hook: linear and guest-physical address, size, direction, value (bits 31:0). */
export type MemHook = (access: {
  linear: number;
  gpa: number;
  size: number;
  write: boolean;
  value: number;
}) => void;

/** An interrupt hook: the vector, the error code (-1 when none) and why it is delivered. */
export type InterruptHookFn = (event: { vector: number; errorCode: number; kind: EventKind }) => void;

export class CpuState implements FlagState {
  /**
   * GPR bits 31:0 and 63:32, in ModRM order RAX RCX RDX RBX RSP RBP RSI RDI R8..R15. Slot 16 is
   * always zero: pre-bound address arithmetic uses it for an absent base or index register.
   */
  readonly r = new Int32Array(17);
  readonly rh = new Int32Array(17);
  /**
   * Instruction pointer as an offset in CS (IP/EIP), or in 64-bit mode the RIP as a signed number
   * (canonical addresses fit a double exactly). Never a flat "pc": the linear address is CS.base + rip.
   */
  rip = 0;
  /** Offset of the instruction being executed (faults restart here). */
  insnStart = 0;

  flagsBits = FLAGS_FIXED;
  lazyOp: LazyOp = LAZY.none;
  lazyRes = 0;
  lazyA = 0;
  lazyB = 0;
  lazySize = 1;
  lazyCin = 0;
  lazyCfOf = 0;

  readonly segSel = new Uint16Array(8);
  readonly segBase = new Float64Array(8);
  /** Byte-granular limit; -1 marks an unusable (null) segment outside 64-bit mode. */
  readonly segLimit = new Float64Array(8);
  readonly segAttr = new Uint16Array(8);
  gdtrBase = 0;
  gdtrLimit = 0xffff;
  idtrBase = 0;
  idtrLimit = 0xffff;

  cr0 = 0;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  cr8 = 0;
  efer = 0;
  dr6 = 0xffff0ff0;
  dr7 = 0x400;
  /** DR0-DR3 (breakpoint addresses; breakpoints themselves are not modelled). */
  readonly drAddr = new Float64Array(4);
  /** Architectural MSRs other than EFER and FS/GS base (STAR, LSTAR, KERNEL_GS_BASE ...). */
  readonly msrs = new Map<number, bigint>();
  /** MSR_AMD64_SEV_ES_GHCB (0xC0010130). */
  ghcbMsr = 0n;

  /** Derived from CR0, EFER and CS (see `modes.ts`). */
  codeSize: CodeSize = 16;
  /** Stack address size in bytes: SS.B, or 8 in 64-bit mode. */
  stackSize = 2;
  long64 = false;
  cpl = 0;

  halted = false;
  /** External interrupt vectors waiting for IF=1, oldest first; null while none. */
  pendingIrqs: number[] | null = null;
  pendingNmi = false;
  /** NMIs are blocked from delivery until the next IRET. */
  nmiBlocked = false;
  /** Interrupts are inhibited until instructionsRetired reaches this (STI, MOV SS shadow). */
  shadowUntil = 0;
  /**
   * Set by STI (IF 0 -> 1) and MOV/POP SS: the next instruction runs before interrupts are taken.
   * These instructions end their block; the run loop turns the flag into `shadowUntil`.
   */
  shadowArm = false;
  stopRequest: string | null = null;
  /** Set by an instruction that ends the run (VMGEXIT); the run loop returns it. */
  exitReason: StopReason | null = null;
  /** Extended control register 0 (XSETBV); x87 state is always enabled. */
  xcr0 = 1;
  /** x87 control and status words: only the FNINIT/FNSTSW/FNSTCW/FLDCW probe firmware does. */
  fpuCw = 0x37f;
  fpuSw = 0;
  instructionsRetired = 0;
  /** High dword of the last 8-byte memory read (so reads return numbers and never allocate). */
  hi32 = 0;
  tlb: Tlb | null = null;
  /** Memory-access hooks; while any exist the TLB stays empty so every access reaches them. */
  memHooks = 0;
  memHookList: MemHook[] = [];
  /** Interrupt hooks: told of every event delivered (exception, INT n/INT3/INTO, external, NMI). */
  readonly interruptHooks: InterruptHookFn[] = [];

  constructor(
    readonly memory: CpuMemory,
    readonly platform: Platform,
    readonly sevEs: boolean,
    public vcDelivery: VcDelivery,
    readonly cache: DecodeCache,
    /**
     * The SEV C-bit as a mask of the high dword of a page-table entry (bit 47 -> 0x8000): the walk
     * strips it, since it selects encryption and is not part of the guest physical address.
     */
    readonly cBitHiMask: number,
  ) {}

  onMemAccess(linear: number, gpa: number, size: number, write: boolean, value: number): void {
    for (const h of this.memHookList) h({ linear, gpa, size, write, value });
  }

  onInterrupt(vector: number, errorCode: number, kind: EventKind): true {
    for (const h of this.interruptHooks) h({ vector, errorCode, kind });
    return true;
  }
}
