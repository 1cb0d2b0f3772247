/**
 * The kernel's panic() (kernel/panic.c) as a chain the guest kernel model runs: first what panic()
 * calls before stopping the CPU, __crash_kexec() when a crash kernel is loaded, then the
 * panic_notifier_list. A handler that boots something else on the CPU (crash_kexec never returns
 * then) takes the CPU over and ends the chain; with no such handler the CPU stops where it is.
 */
import type { Vcpu } from '../vcpu.ts';

export interface PanicContext {
  /** The CPU that called panic(). Its registers are those of the code that panicked. */
  readonly vcpu: Vcpu;
  /** panic()'s message, without the "Kernel panic - not syncing: " prefix. */
  readonly message: string;
}

/** A registered panic handler: `'took-over'` when it now owns the CPU, `undefined` to go on. */
export interface PanicHandler {
  name: string;
  handle(ctx: PanicContext): 'took-over' | undefined;
}

/** What panic() ended with: a handler owns the CPU, or the CPU stopped in panic's final loop. */
export type PanicOutcome = { kind: 'took-over'; by: string } | { kind: 'halted' };
