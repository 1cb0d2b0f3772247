/**
 * Why `Cpu.run()` returned: a closed union. Guest exceptions are not stop reasons (they are delivered
 * through the IVT/IDT), except #VC under `vcDelivery: 'model'` and a triple fault.
 */
export type StopReason =
  /** maxInstructions retired. */
  | { kind: 'limit' }
  /** HLT with nothing to wake it. RIP is past the HLT. */
  | { kind: 'hlt' }
  /** VMGEXIT (F3 0F 01 D9): trap-like, RIP is past it. */
  | { kind: 'vmgexit' }
  /**
   * SEV-ES #VC for the guest kernel model (vcDelivery 'model'): RIP is AT the instruction and nothing
   * changed. `gpa` is set for NPF (MMIO), for traces; real hardware leaves it to the handler to decode.
   */
  | { kind: 'vc'; exitCode: number; cs: number; rip: bigint; gpa?: number; why: string }
  /** Triple fault (or a fault the CPU cannot deliver): the vCPU is dead until INIT. */
  | { kind: 'shutdown'; reason: string }
  /** A code hook asked to stop, or the `until` address was reached, before executing it. */
  | { kind: 'breakpoint'; cs: number; rip: bigint }
  /** A device (isa-debug-exit) or the host called `requestStop(reason)`. */
  | { kind: 'stop-requested'; reason: string };
