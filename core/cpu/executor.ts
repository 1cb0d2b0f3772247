/**
 * The interpreter loop. Instructions are decoded once into blocks (block.ts: straight runs in a page,
 * ending at anything that may change RIP, CS, the mode or the run state), cached per machine by
 * guest-physical address and code size, and executed by calling each row's handler in turn. Guest
 * faults thrown by handlers are caught here, in `slice`, and nowhere else: delivered through the
 * IVT/IDT (with #DF and triple-fault escalation), or turned into a 'vc' stop under SEV-ES.
 */
import { tlbOf, VcFault } from './access.ts';
import { type Block, buildBlock, decodeFault, handlerFor, SIZE_INDEX } from './block.ts';
import type { DecodeCache } from './decode-cache.ts';
import { decode } from './decoder/index.ts';
import { compileBlock } from './exec/compile.ts';
import { archMsr } from './exec/system.ts';
import { CONTRIBUTORY, fault, GuestFault, HAS_ERROR_CODE, VECTOR } from './fault.ts';
import { FLAG } from './flags.ts';
import { deliver, type EventKind } from './interrupts.ts';
import type { CpuMemory } from './memory-port.ts';
import { ACCESS, translateLinear } from './paging.ts';
import type { Platform } from './platform.ts';
import { CpuState, SEGS, type VcDelivery } from './state.ts';
import type { StopReason } from './stop-reason.ts';
import { lpnOf } from './tlb.ts';

export type { Block };

export type CodeHookFn = (at: { cs: number; rip: bigint; linear: number }) => 'stop' | undefined;
export type { InterruptHookFn } from './state.ts';

export class Executor extends CpuState {
  readonly codeHooks = new Map<number, CodeHookFn[]>();
  /** Linear address whose code hooks already ran and stopped the previous run. */
  /** Linear address whose code hooks already ran and stopped the previous run (kept in snapshots). */
  protected breakResume = Number.NaN;
  private lastBlock: Block | null = null;

  constructor(
    memory: CpuMemory,
    platform: Platform,
    sevEs: boolean,
    vcDelivery: VcDelivery,
    cache: DecodeCache,
    cBitHiMask: number,
  ) {
    super(memory, platform, sevEs, vcDelivery, cache, cBitHiMask);
  }

  protected execute(max: number, untilIp: number, untilCs: number): StopReason {
    tlbOf(this).flush();
    this.lastBlock = null;
    if (this.exitReason?.kind === 'shutdown') return this.exitReason;
    this.exitReason = null;
    const limit = this.instructionsRetired + max;
    for (;;) {
      if (this.stopRequest !== null) {
        const reason = this.stopRequest;
        this.stopRequest = null;
        return { kind: 'stop-requested', reason };
      }
      const exit = this.exitReason as StopReason | null;
      if (exit !== null) {
        if (exit.kind !== 'shutdown') this.exitReason = null;
        return exit;
      }
      const left = limit - this.instructionsRetired;
      if (left <= 0) return { kind: 'limit' };
      const events = this.pendingNmi || this.pendingIrqs !== null;
      if (events && this.deliverable()) {
        const r = this.slice(0);
        if (r !== null) return r;
        continue;
      }
      if (this.halted) return { kind: 'hlt' };
      let n = left;
      if (!Number.isNaN(untilIp) || this.codeHooks.size !== 0 || events || (this.flagsBits & FLAG.TF) !== 0) {
        n = 1;
        if (untilIp === this.rip && (untilCs < 0 || untilCs === this.segSel[SEGS.CS])) {
          return { kind: 'breakpoint', cs: this.segSel[SEGS.CS]!, rip: BigInt.asUintN(64, BigInt(this.rip)) };
        }
        if (this.codeHooks.size !== 0 && this.runCodeHooks()) {
          return { kind: 'breakpoint', cs: this.segSel[SEGS.CS]!, rip: BigInt.asUintN(64, BigInt(this.rip)) };
        }
      }
      const r = this.slice(n);
      if (r !== null) return r;
    }
  }

  /** True when a pending NMI or interrupt can be taken now. */
  private deliverable(): boolean {
    if (this.pendingNmi && !this.nmiBlocked) return true;
    return (
      this.pendingIrqs !== null &&
      (this.flagsBits & FLAG.IF) !== 0 &&
      this.instructionsRetired >= this.shadowUntil
    );
  }

  private runCodeHooks(): boolean {
    const lin = this.long64 ? this.rip : (this.segBase[SEGS.CS]! + this.rip) >>> 0;
    if (lin === this.breakResume) {
      this.breakResume = Number.NaN;
      return false;
    }
    const hooks = this.codeHooks.get(lin);
    if (!hooks) return false;
    const at = { cs: this.segSel[SEGS.CS]!, rip: BigInt.asUintN(64, BigInt(this.rip)), linear: lin };
    let stop = false;
    for (const h of [...hooks]) if (h(at) === 'stop') stop = true;
    if (stop) this.breakResume = lin;
    return stop;
  }

  /** Deliver one pending event (n = 0) or execute up to n instructions. The one catch site. */
  private slice(n: number): StopReason | null {
    let k = 0;
    let blk: Block | null = null;
    let start = 0;
    let compiled = false;
    try {
      if (n === 0) {
        this.deliverEvent();
        return null;
      }
      const t = this.tlb!;
      const tf = (this.flagsBits & FLAG.TF) !== 0;
      // Blocks back to back until n instructions ran or something needs the outer loop's attention.
      let left = n;
      for (;;) {
        start = this.rip;
        blk = this.blockAt();
        // After the lookup: building this block may have made its page a code page, and a write-TLB
        // entry filled before that would let a store into it skip the invalidation.
        if (t.epoch !== this.cache.epoch) {
          t.flushWrites();
          t.epoch = this.cache.epoch;
        }
        if (blk === null) {
          this.stepUncached();
          k = 1;
        } else {
          const ops = blk.ops;
          if (blk.fn !== null && left >= ops.length) {
            // A self-looping block counts its completed passes itself (exec/compile.ts).
            const before = this.instructionsRetired;
            compiled = true;
            k = blk.fn(this, start, ops, blk, left);
            compiled = false;
            left -= this.instructionsRetired - before;
          } else {
            if (++blk.runs === this.cache.compileAfter) blk.fn = compileBlock(blk.insns);
            const lens = blk.lens;
            const m = Math.min(left, ops.length);
            let ip = start;
            for (; k < m; ) {
              ip += lens[k]!;
              this.rip = ip;
              ops[k]!(this);
              k++;
              if (!blk.valid) break;
            }
          }
        }
        this.instructionsRetired += k;
        left -= k;
        k = 0;
        blk = null;
        if (this.shadowArm) {
          this.shadowUntil = this.instructionsRetired + 1;
          this.shadowArm = false;
        }
        if (
          left <= 0 ||
          this.halted ||
          this.exitReason !== null ||
          this.stopRequest !== null ||
          this.pendingIrqs !== null ||
          this.pendingNmi ||
          (this.flagsBits & FLAG.TF) !== 0
        ) {
          break;
        }
      }
      // TF: a single-step trap after the instruction (APM 13.1.3.2).
      if (tf && n === 1)
        this.notify(VECTOR.DB, -1, 'exception') && deliver(this, VECTOR.DB, -1, 'exception', this.rip);
      return null;
    } catch (e) {
      // The faulting instruction starts after the k that completed (single steps set insnStart).
      // Compiled code does not count: RIP (the faulting instruction's next offset) tells which.
      if (blk !== null) {
        let at = start;
        if (compiled) {
          for (k = 0; at + blk.lens[k]! !== this.rip && k < blk.lens.length - 1; k++) at += blk.lens[k]!;
        } else for (let j = 0; j < k; j++) at += blk.lens[j]!;
        this.insnStart = at;
      }
      this.instructionsRetired += k;
      this.lastBlock = null;
      if (e instanceof GuestFault) {
        this.rip = this.insnStart;
        this.raise(e);
        return null;
      }
      if (e instanceof VcFault) {
        this.rip = this.insnStart;
        if (this.vcDelivery === 'model') {
          const stop: StopReason = {
            kind: 'vc',
            exitCode: e.exitCode,
            cs: this.segSel[SEGS.CS]!,
            rip: BigInt.asUintN(64, BigInt(this.rip)),
            why: e.why,
          };
          if (e.gpa >= 0) stop.gpa = e.gpa;
          return stop;
        }
        this.raise(new GuestFault(VECTOR.VC, e.exitCode, e.why));
        return null;
      }
      throw e;
    }
  }

  private notify(vector: number, errorCode: number, kind: EventKind): true {
    return this.onInterrupt(vector, errorCode, kind);
  }

  private deliverEvent(): void {
    this.halted = false;
    this.insnStart = this.rip;
    if (this.pendingNmi && !this.nmiBlocked) {
      this.pendingNmi = false;
      this.nmiBlocked = true;
      this.notify(VECTOR.NMI, -1, 'nmi');
      deliver(this, VECTOR.NMI, -1, 'nmi', this.rip);
      return;
    }
    const q = this.pendingIrqs!;
    const vector = q.shift()!;
    if (q.length === 0) this.pendingIrqs = null;
    this.notify(vector, -1, 'external');
    deliver(this, vector, -1, 'external', this.rip);
  }

  /**
   * Deliver a fault at `insnStart` (RIP already restored). A fault while delivering escalates as in
   * APM Vol. 2, 8.2.9 table 8-7: contributory + contributory or #PF + (#PF | contributory) is a #DF,
   * and a fault while delivering #DF is a triple fault: shutdown.
   */
  protected raise(f: GuestFault): void {
    try {
      this.deliverFault(f);
    } catch (e2) {
      if (!(e2 instanceof GuestFault)) {
        if (e2 instanceof VcFault) {
          this.shutdown(`#VC while delivering ${f.why}`);
          return;
        }
        throw e2;
      }
      if (f.vector === VECTOR.DF) {
        this.shutdown(`fault while delivering #DF: ${e2.why}`);
        return;
      }
      const benign = !(
        (CONTRIBUTORY.has(f.vector) && CONTRIBUTORY.has(e2.vector)) ||
        (f.vector === VECTOR.PF && (e2.vector === VECTOR.PF || CONTRIBUTORY.has(e2.vector)))
      );
      const next = benign ? e2 : new GuestFault(VECTOR.DF, 0, `double fault: ${f.why}; then ${e2.why}`);
      try {
        this.deliverFault(next);
      } catch (e3) {
        if (e3 instanceof GuestFault || e3 instanceof VcFault) {
          this.shutdown(`triple fault: ${f.why}; then ${e2.why}; then ${(e3 as GuestFault).why}`);
          return;
        }
        throw e3;
      }
    }
  }

  private deliverFault(f: GuestFault): void {
    if (f.vector === VECTOR.PF) this.cr2 = f.address;
    const protectedMode = (this.cr0 & 1) !== 0;
    const code = protectedMode && HAS_ERROR_CODE.has(f.vector) ? Math.max(f.errorCode, 0) : -1;
    this.notify(f.vector, code, 'exception');
    deliver(this, f.vector, code, 'exception', this.insnStart);
  }

  private shutdown(reason: string): void {
    this.exitReason = { kind: 'shutdown', reason };
  }

  /** The cached block at CS:RIP, or null when the code is not in RAM or crosses a page. */
  private blockAt(): Block | null {
    const t = this.tlb!;
    const prev = this.lastBlock;
    // Chained fast path: same RIP as when this successor was found, and nothing that changes the
    // RIP -> physical mapping (TLB flush, CS load, mode change: Tlb.fetchEpoch) happened since.
    if (prev !== null && prev.succRip === this.rip && prev.succEpoch === t.fetchEpoch && prev.succ!.valid) {
      this.lastBlock = prev.succ;
      return prev.succ;
    }
    if (!this.long64 && this.rip > this.segLimit[SEGS.CS]!)
      throw fault(VECTOR.GP, 0, 'RIP past the CS limit');
    const lin = this.long64 ? this.rip : (this.segBase[SEGS.CS]! + this.rip) >>> 0;
    const lpn = lin >= 0 && lin <= 0xffffffff ? lin >>> 12 : lpnOf(lin);
    let gfn: number;
    if (t.fetchLpn === lpn) gfn = t.fetchGfn;
    else {
      gfn = Math.floor(translateLinear(this, lin, ACCESS.exec) / 4096);
      t.fetchLpn = lpn;
      t.fetchGfn = gfn;
    }
    const off = lin & 0xfff;
    const key = (gfn * 4096 + off) * 4 + SIZE_INDEX[this.codeSize];
    let blk: Block | null | undefined;
    if (prev !== null && prev.succKey === key && prev.succ!.valid) blk = prev.succ;
    else {
      blk = this.cache.get(key) as Block | undefined;
      if (blk === undefined) {
        blk = buildBlock(this, gfn, off, key);
        if (blk === null) {
          this.lastBlock = null;
          return null;
        }
      }
    }
    if (prev !== null) {
      prev.succKey = key;
      prev.succ = blk;
      prev.succRip = this.rip;
      prev.succEpoch = t.fetchEpoch;
    }
    this.lastBlock = blk;
    return blk;
  }

  /** One instruction whose bytes are not in one RAM page: fetched byte by byte, not cached. */
  private stepUncached(): void {
    this.insnStart = this.rip;
    const bytes: number[] = [];
    let firstFault: unknown = null;
    for (let k = 0; k < 15; k++) {
      try {
        const lin = this.long64 ? this.rip + k : (this.segBase[SEGS.CS]! + this.rip + k) >>> 0;
        const gpa = translateLinear(this, lin, ACCESS.exec);
        const page = this.memory.ramPage(Math.floor(gpa / 4096), true);
        if (page === undefined)
          throw fault(VECTOR.GP, 0, `instruction fetch from non-RAM GPA 0x${gpa.toString(16)}`);
        bytes.push(page[gpa & 0xfff]!);
      } catch (e) {
        firstFault = e;
        break;
      }
    }
    const buf = Uint8Array.from(bytes);
    const d = decode(buf, 0, buf.length, this.codeSize);
    if ('kind' in d) {
      if (d.reason === 'truncated' && firstFault !== null) throw firstFault;
      throw decodeFault(d);
    }
    this.rip += d.length;
    handlerFor(d)(this, d);
  }

  // ---- MSR access for the API (architectural MSRs only) ----

  protected readArchMsr(msr: number): bigint {
    return archMsr.read(this, msr);
  }

  protected writeArchMsr(msr: number, v: bigint): void {
    archMsr.write(this, msr, v);
  }

  /** Run `f` with guest-fault exceptions turned into an Error for API callers. */
  protected withGuestAccess<T>(f: () => T): T {
    try {
      tlbOf(this);
      return f();
    } catch (e) {
      if (e instanceof GuestFault)
        throw new Error(`the access faults in the guest (vector ${e.vector}): ${e.why}`);
      if (e instanceof VcFault)
        throw new Error(`the MSR is not one the CPU keeps (${e.why}); ask the Platform`);
      throw e;
    }
  }
}
