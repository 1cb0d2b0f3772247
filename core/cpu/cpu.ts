/**
 * One vCPU: the embedding API in the spirit of Unicorn (registers by name, run/step with a limit and
 * an `until` address, hooks with handles, snapshot/restore, reset), over the interpreter in
 * `executor.ts`. API misuse throws an Error that says what to do; guest faults never leave `run`.
 */
import { linear, readLin8, tlbOf, VcFault, writeLin } from './access.ts';
import { DecodeCache } from './decode-cache.ts';
import { TWO32 } from './exec/operands.ts';
import { type Block, Executor } from './executor.ts';
import { GuestFault, VECTOR } from './fault.ts';
import type { CodeSize } from './insn.ts';
import type { CpuMemory } from './memory-port.ts';
import { type CpuMode, modeOf, updateMode } from './modes.ts';
import { type Access, translateLinear } from './paging.ts';
import type { Platform } from './platform.ts';
import { parseRegName } from './reg-names.ts';
import { readRegister, writeRegister } from './registers.ts';
import { resetState } from './reset.ts';
import { type CpuSnapshot, restoreState, snapshotState } from './snapshot.ts';
import { type CpuState, SEGS, type VcDelivery } from './state.ts';
import type { StopReason } from './stop-reason.ts';

export interface CpuOptions {
  memory: CpuMemory;
  platform: Platform;
  sevEs: boolean;
  /** The machine's shared decoded-instruction cache; a private one is made when absent. */
  decodeCache?: DecodeCache;
  /** How #VC is delivered under SEV-ES: 'model' (default) stops run(); 'idt' uses the guest's IDT. */
  vcDelivery?: VcDelivery;
  /** SEV C-bit position (e.g. 47 or 51): stripped from page-table entries. */
  cBitPosition?: number;
}

export interface CpuRunOptions {
  maxInstructions: number;
  /** Stop before executing the instruction at CS:IP (CS selector optional). */
  until?: { cs?: number; ip: number | bigint };
}

export interface SegmentState {
  selector: number;
  base: bigint;
  limit: number;
  /** VMCB-packed attributes: type 3:0, S 4, DPL 6:5, P 7, AVL 8, L 9, D/B 10, G 11. */
  attributes: number;
}

export interface TableRegister {
  base: bigint;
  limit: number;
}

export type TranslateResult = { gpa: number } | { fault: { vector: number; errorCode: number; why: string } };

/** A fault reported as a value by readVirtual/writeVirtual (the kernel's ctxt->fi). */
export interface VirtualFault {
  vector: number;
  errorCode: number | null;
}

export type CodeHook = (at: { cs: number; rip: bigint; linear: number }) => 'stop' | undefined;
export type InterruptHook = (event: { vector: number; errorCode: number; kind: string }) => void;
export type { CpuSnapshot };
export type MemoryHook = Parameters<CpuState['memHookList']['push']>[0];
export type HookHandle = { readonly id: number };

const ACCESS_NAMES = { read: 0, write: 1, exec: 2 } as const;

export class Cpu extends Executor {
  private nextHookId = 1;
  private readonly hookIds = new Map<number, () => void>();

  constructor(opts: CpuOptions) {
    if (!opts?.memory || !opts.platform) {
      throw new Error('new Cpu({ memory, platform, sevEs }) needs a GuestMemory and a Platform');
    }
    const cBit = opts.cBitPosition;
    if (cBit !== undefined && (cBit < 32 || cBit > 51)) {
      throw new Error(
        `cBitPosition ${cBit} is outside 32..51; pass the C-bit position CPUID 0x8000001F reports`,
      );
    }
    super(
      opts.memory,
      opts.platform,
      opts.sevEs,
      opts.vcDelivery ?? 'model',
      opts.decodeCache ?? new DecodeCache<Block>(),
      cBit === undefined ? 0 : 1 << (cBit - 32),
    );
    resetState(this);
  }

  /** INIT / power-on state (APM Vol. 2, 14.1.3 "Processor Initialization State"). */
  reset(): void {
    resetState(this);
  }

  mode(): CpuMode {
    return modeOf(this);
  }

  // ---- registers ----

  getReg(name: string): bigint {
    return readRegister(this, name);
  }

  setReg(name: string, value: bigint | number): void {
    writeRegister(this, name, value);
  }

  getSegment(name: string): SegmentState {
    const r = parseRegName(name);
    if (r.kind !== 'seg')
      throw new Error(`'${name}' is not a segment register; use es cs ss ds fs gs ldtr tr`);
    return {
      selector: this.segSel[r.n]!,
      base: BigInt.asUintN(64, BigInt(this.segBase[r.n]!)),
      limit: this.segLimit[r.n]!,
      attributes: this.segAttr[r.n]!,
    };
  }

  /** Set a segment register with its hidden part, as a loader or a saved VMSA would. */
  setSegment(name: string, s: SegmentState): void {
    const r = parseRegName(name);
    if (r.kind !== 'seg')
      throw new Error(`'${name}' is not a segment register; use es cs ss ds fs gs ldtr tr`);
    this.segSel[r.n] = s.selector & 0xffff;
    this.segBase[r.n] = Number(BigInt.asIntN(64, s.base));
    this.segLimit[r.n] = s.limit;
    this.segAttr[r.n] = s.attributes & 0xfff;
    updateMode(this);
  }

  get gdtr(): TableRegister {
    return { base: BigInt.asUintN(64, BigInt(this.gdtrBase)), limit: this.gdtrLimit };
  }
  set gdtr(t: TableRegister) {
    this.gdtrBase = Number(BigInt.asIntN(64, t.base));
    this.gdtrLimit = t.limit & 0xffff;
  }
  get idtr(): TableRegister {
    return { base: BigInt.asUintN(64, BigInt(this.idtrBase)), limit: this.idtrLimit };
  }
  set idtr(t: TableRegister) {
    this.idtrBase = Number(BigInt.asIntN(64, t.base));
    this.idtrLimit = t.limit & 0xffff;
  }

  /** Architectural MSRs the CPU keeps (EFER, FS/GS base, STAR ..., the GHCB MSR). */
  getMsr(msr: number): bigint {
    return this.withGuestAccess(() => this.readArchMsr(msr));
  }

  setMsr(msr: number, value: bigint): void {
    this.withGuestAccess(() => this.writeArchMsr(msr, value));
  }

  // ---- memory as the vCPU sees it ----

  /** Walk the guest page tables (the REPL, and the MMIO #VC handler's GPA lookup). */
  translate(linearAddress: number | bigint, access: keyof typeof ACCESS_NAMES): TranslateResult {
    const lin = typeof linearAddress === 'bigint' ? Number(BigInt.asIntN(64, linearAddress)) : linearAddress;
    if (!(access in ACCESS_NAMES))
      throw new Error(`translate access '${access}': use 'read', 'write' or 'exec'`);
    try {
      tlbOf(this);
      return { gpa: translateLinear(this, lin, ACCESS_NAMES[access] as Access) };
    } catch (e) {
      if (e instanceof GuestFault) return { fault: { vector: e.vector, errorCode: e.errorCode, why: e.why } };
      throw e;
    }
  }

  /** Read `length` bytes at seg:offset through segmentation and paging; a fault is returned. */
  readVirtual(seg: number, offset: bigint | number, length: number): Uint8Array | VirtualFault {
    const out = new Uint8Array(length);
    const fault = this.virtualAccess(seg, offset, length, (lin, k) => {
      out[k] = readLin8(this, lin);
    });
    return fault ?? out;
  }

  writeVirtual(seg: number, offset: bigint | number, bytes: Uint8Array): VirtualFault | null {
    return this.virtualAccess(seg, offset, bytes.length, (lin, k) => writeLin(this, lin, 1, bytes[k]!));
  }

  private virtualAccess(
    seg: number,
    offset: bigint | number,
    length: number,
    each: (lin: number, k: number) => void,
  ): VirtualFault | null {
    if (seg < 0 || seg > SEGS.GS) throw new Error(`segment ${seg} is not 0..5 (ES CS SS DS FS GS)`);
    const off = typeof offset === 'bigint' ? Number(BigInt.asIntN(64, offset)) : offset;
    try {
      tlbOf(this);
      const base = linear(this, seg, off, Math.max(length, 1));
      for (let k = 0; k < length; k++) each(this.long64 ? base + k : (base + k) >>> 0, k);
      return null;
    } catch (e) {
      if (e instanceof GuestFault)
        return { vector: e.vector, errorCode: e.errorCode < 0 ? null : e.errorCode };
      if (e instanceof VcFault) return { vector: VECTOR.VC, errorCode: e.exitCode };
      throw e;
    }
  }

  /** Up to `max` instruction bytes at CS:RIP (fewer when a fault cuts them short). */
  fetchBytes(max = 15): Uint8Array {
    const out: number[] = [];
    tlbOf(this);
    for (let k = 0; k < max; k++) {
      const b = this.readVirtual(SEGS.CS, this.rip + k, 1);
      if (!(b instanceof Uint8Array)) break;
      out.push(b[0]!);
    }
    return Uint8Array.from(out);
  }

  get codeSizeNow(): CodeSize {
    return this.codeSize;
  }

  // ---- events ----

  injectNmi(): void {
    this.pendingNmi = true;
  }

  /** A fixed interrupt (IPI): delivered at an instruction boundary once IF=1; wakes HLT. */
  injectInterrupt(vector: number): void {
    if (!Number.isInteger(vector) || vector < 16 || vector > 255) {
      throw new Error(`interrupt vector ${vector} must be an integer in 16..255`);
    }
    if (this.pendingIrqs === null) this.pendingIrqs = [];
    this.pendingIrqs.push(vector);
  }

  /** Deliver an exception now, as a fault at the current RIP (the kernel model's ES_EXCEPTION). */
  raiseException(vector: number, errorCode?: number): void {
    if (!Number.isInteger(vector) || vector < 0 || vector > 31) {
      throw new Error(`exception vector ${vector} must be an integer in 0..31`);
    }
    tlbOf(this);
    this.insnStart = this.rip;
    this.raise(new GuestFault(vector, errorCode ?? -1, `exception ${vector} raised by the host`));
  }

  /** Ends the current or next run with { kind: 'stop-requested', reason } (isa-debug-exit and friends). */
  requestStop(reason: string): void {
    this.stopRequest = reason;
  }

  // ---- hooks ----

  /** Called before the instruction at linear address `at` executes; return 'stop' to break there. */
  addCodeHook(at: number | bigint, hook: CodeHook): HookHandle {
    const lin = typeof at === 'bigint' ? Number(BigInt.asIntN(64, at)) : at;
    let list = this.codeHooks.get(lin);
    if (!list) {
      list = [];
      this.codeHooks.set(lin, list);
    }
    list.push(hook);
    return this.handle(() => {
      const l = this.codeHooks.get(lin);
      if (!l) return;
      l.splice(l.indexOf(hook), 1);
      if (l.length === 0) this.codeHooks.delete(lin);
    });
  }

  addMemoryHook(hook: MemoryHook): HookHandle {
    this.memHookList.push(hook);
    this.memHooks = this.memHookList.length;
    this.tlb?.flush();
    return this.handle(() => {
      this.memHookList.splice(this.memHookList.indexOf(hook), 1);
      this.memHooks = this.memHookList.length;
    });
  }

  addInterruptHook(hook: InterruptHook): HookHandle {
    this.interruptHooks.push(hook);
    return this.handle(() => this.interruptHooks.splice(this.interruptHooks.indexOf(hook), 1));
  }

  removeHook(h: HookHandle): void {
    const remove = this.hookIds.get(h.id);
    if (!remove) throw new Error(`hook ${h.id} is not installed (already removed?)`);
    remove();
    this.hookIds.delete(h.id);
  }

  private handle(remove: () => void): HookHandle {
    const id = this.nextHookId++;
    this.hookIds.set(id, remove);
    return { id };
  }

  // ---- running ----

  run(opts: CpuRunOptions): StopReason {
    if (!opts || !Number.isFinite(opts.maxInstructions) || opts.maxInstructions < 0) {
      throw new Error('run({ maxInstructions }) needs a non-negative instruction count');
    }
    const until = opts.until;
    const untilIp = until === undefined ? Number.NaN : Number(BigInt.asIntN(64, BigInt(until.ip)));
    return this.execute(opts.maxInstructions, untilIp, until?.cs ?? -1);
  }

  /** Execute one instruction (or deliver one pending event). */
  step(): StopReason {
    return this.execute(1, Number.NaN, -1);
  }

  // ---- state ----

  snapshot(): CpuSnapshot & { breakResume: number } {
    // A snapshot taken while stopped at a breakpoint still continues past it after a restore.
    return { ...snapshotState(this), breakResume: this.breakResume };
  }

  restore(s: CpuSnapshot & { breakResume?: number }): void {
    restoreState(this, s);
    this.breakResume = s.breakResume ?? Number.NaN;
  }

  /**
   * Where the vCPU is, segment:offset first (never a flat "pc"): `0xF000:0xFFF0` in real and 16-bit
   * code, `0x0008:0x00001000` in 32-bit code, `0x0010:0xFFFFFFFF81000000` in 64-bit code.
   */
  location(): string {
    const width = this.codeSize === 64 ? 16 : this.codeSize === 32 ? 8 : 4;
    const cs = this.segSel[SEGS.CS]!.toString(16).toUpperCase().padStart(4, '0');
    const ip = BigInt.asUintN(this.codeSize, BigInt(this.rip))
      .toString(16)
      .toUpperCase()
      .padStart(width, '0');
    return `0x${cs}:0x${ip}`;
  }

  /** RIP as an unsigned 64-bit value (for display: CS:IP in real mode is `cs`, `rip`). */
  get ripValue(): bigint {
    return BigInt.asUintN(64, BigInt(this.rip));
  }
}

export { TWO32 };
