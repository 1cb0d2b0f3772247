import {
  CommandError,
  type Cpu,
  type GhcbField,
  type HookHandle,
  type Machine,
  type MachineSnapshot,
  REGISTER_NAMES,
  type Vcpu,
} from '../../core/index.ts';
import type { ExprContext } from './expr.ts';
import { hex } from './numbers.ts';

export interface Breakpoint {
  id: number;
  /** Linear address, as the code hooks see it. */
  linear: bigint;
  hooks: Array<{ cpu: Cpu; handle: HookHandle }>;
}

/** Hand edits of the selected vCPU's GHCB, sent with the next `vmgexit` or `ghcb exit`. */
export interface StagedGhcb {
  vcpu: number;
  fields: Partial<Record<GhcbField, bigint>>;
  usage?: number;
}

/** Where the memory pane looks: the address the last `x`/`xp` examined. */
export interface MemoryView {
  space: 'virtual' | 'physical';
  address: bigint;
}

/**
 * Everything a REPL session holds besides the machine: the selected vCPU, breakpoints, named
 * snapshots, staged GHCB edits, the memory pane's address and the log pane's filter. Commands read and
 * change it; the UI re-renders when `changed()` fires.
 */
export class Session {
  selected = 0;
  readonly breakpoints = new Map<number, Breakpoint>();
  nextBreakpoint = 1;
  readonly snapshots = new Map<string, MachineSnapshot>();
  staged: StagedGhcb | null = null;
  memoryView: MemoryView = { space: 'physical', address: 0n };
  /** Where a bare `x`/`xp` goes on: the address after the last examine, and its format. */
  lastExamine: { space: 'virtual' | 'physical'; format: string | undefined; next: bigint } | null = null;
  /** The command an empty Enter runs again (gdb repeats step, continue and x), or null. */
  repeatLine: string | null = null;
  logFilter: string | null = null;
  /** Commands entered so far (the `history` command; the prompt keeps its own persisted list). */
  readonly history: string[] = [];
  quitRequested = false;
  /** Set by Ctrl+C while a `continue` runs; the run stops at its next chunk boundary. */
  interruptRequested = false;
  busy = false;
  private readonly listeners = new Set<() => void>();

  constructor(public machine: Machine) {}

  /** Works on another machine from now on (`scenario run`): per-machine state starts afresh. */
  replaceMachine(machine: Machine): void {
    this.machine = machine;
    this.selected = 0;
    this.breakpoints.clear();
    this.nextBreakpoint = 1;
    this.snapshots.clear();
    this.staged = null;
    this.memoryView = { space: 'physical', address: 0n };
    this.lastExamine = null;
    this.repeatLine = null;
  }

  get vcpu(): Vcpu<Cpu> {
    return this.machine.vcpu(this.selected);
  }

  get cpu(): Cpu {
    return this.vcpu.cpu;
  }

  get sevEs(): boolean {
    return this.machine.config.sev === 'es';
  }

  /** GPA of a vCPU's GHCB page, without mapping it (the guest kernel maps it shared on first use). */
  ghcbGpa(index = this.selected): number {
    return this.machine.config.ghcbBase + index * 4096;
  }

  /** A vCPU index from the user: a sentence with the valid range when there is no such vCPU. */
  checkVcpu(index: number, example: string): number {
    const n = this.machine.vcpus.length;
    if (!Number.isInteger(index) || index < 0 || index >= n)
      throw new CommandError(
        `there is no vCPU ${index}: this machine has vCPUs 0 to ${n - 1}; example: ${example}`,
      );
    return index;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const l of this.listeners) l();
  }

  /** Registers and memory for argument expressions, read from the selected vCPU. */
  exprContext(): ExprContext {
    return {
      reg: (name) => {
        if (!REGISTER_NAMES.includes(name))
          throw new Error(`'$${name}' is not a register (e.g. $rax, $eip, $cr0; Tab lists them)`);
        return this.cpu.getReg(name);
      },
      pc: () => linearPc(this.cpu),
      segmentBase: (name) => this.cpu.getSegment(name).base,
      readPhys: (gpa, size) => {
        const at = Number(gpa);
        if (!Number.isSafeInteger(at) || at + size > this.machine.memory.size)
          throw new Error(`${hex(gpa)} is outside guest memory`);
        if (this.machine.memory.mmioAt(at)) throw new Error(`${hex(gpa)} is MMIO, not memory`);
        const b = this.machine.memory.read(at, size);
        let v = 0n;
        for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        return v;
      },
    };
  }
}

/** CS base + RIP, or RIP alone in 64-bit mode (where the CS base is ignored). */
export function linearPc(cpu: Cpu): bigint {
  const rip = cpu.getReg('rip');
  if (cpu.mode() === 'long64') return rip;
  return BigInt.asUintN(32, cpu.getSegment('cs').base + rip);
}
