// The public surface of core/: everything the CLI, plugins, scenarios and the REPL may use.

export {
  type CodeHook,
  Cpu,
  type CpuOptions,
  type CpuRunOptions,
  type CpuSnapshot,
  type HookHandle,
  type InterruptHook,
  type MemoryHook,
  type SegmentState,
  type TableRegister,
  type TranslateResult,
  type VirtualFault,
} from './cpu/cpu.ts';
export { DecodeCache } from './cpu/decode-cache.ts';
export { type DecodeError, decode } from './cpu/decoder/index.ts';
export { disasm } from './cpu/disasm.ts';
export { type CodeSize, type Insn, SEG, type SegIndex } from './cpu/insn.ts';
export { type MmioClass, type MmioClassName, mmioClass } from './cpu/mmio-class.ts';
export type { CpuMode } from './cpu/modes.ts';
export type { ExecKey, OpcodeRow } from './cpu/opcodes/index.ts';
export type { CpuidResult, Platform } from './cpu/platform.ts';
export { GPR64_NAMES, type Gpr64Name, REGISTER_NAMES } from './cpu/reg-names.ts';
export { RESET_SIGNATURE } from './cpu/reset.ts';
export { type CaseOutcome, type SingleStepCase, SingleStepRunner } from './cpu/singlestep.ts';
export { type CaseShape, checkSingleStepCase } from './cpu/singlestep-shape.ts';
export { EXCEPTION_DIFFERENCES, EXCLUDED_FORMS, UNDEFINED_FLAGS } from './cpu/singlestep-tables.ts';
export type { StopReason } from './cpu/stop-reason.ts';
export * from './devices/index.ts';
export {
  EventLog,
  formatEvent,
  hex,
  type LoggedEvent,
  type SevEvent,
  type SevEventKind,
  type VcpuRunState,
} from './event-log.ts';
export type { FaultInfo, HvCallResult } from './guest/ghcb-call.ts';
export { GuestKernel } from './guest/kernel.ts';
export type { Negotiated } from './guest/negotiation.ts';
export type { PanicContext, PanicHandler, PanicOutcome } from './guest/panic.ts';
export type { VcContext, VcHandler, VcRegs, VcResult } from './guest/vc/types.ts';
export {
  decodeIcr,
  encodeIcr,
  ICR_DELIVERY,
  ICR_SHORTHAND,
  X2APIC_ICR_MSR,
  XAPIC_BASE,
} from './hypervisor/apic.ts';
export {
  defaultHypervisorConfig,
  type HostileBehaviour,
  type HypervisorConfig,
} from './hypervisor/config.ts';
export type { ExitContext, ExitOutcome, ExitRegs, ExitRow } from './hypervisor/exit-table.ts';
export type { HostRegs, HostVcpu, VcpuRef } from './hypervisor/host-vcpu.ts';
export { Hypervisor, type Termination } from './hypervisor/hypervisor.ts';
export type { MsrProtocolContext, MsrProtocolHandler } from './hypervisor/msr-protocol.ts';
export { XAPIC_PAGE, XAPIC_REG, XapicMmio } from './hypervisor/xapic-mmio.ts';
export { Machine, type MachineSnapshot, type MachineStop, type RunOptions } from './machine.ts';
export { MAX_VCPUS, type MachineConfig, machineConfig, type ReservedRegion } from './machine-config.ts';
export * from './memory/index.ts';
export {
  defaultPlatformDevices,
  type PlatformDevices,
  type PlatformDevicesConfig,
} from './platform-devices.ts';
export {
  CommandError,
  CommandFailed,
  definePlugin,
  type Plugin,
  type PluginApi,
  type PluginCommand,
  PluginError,
  type PluginState,
  type PluginStates,
  type PluginStep,
  type RegisterOptions,
  type StepContext,
  type StepMachine,
  type StepOutcome,
  unknownOption,
} from './plugin-api.ts';
export * from './sev/index.ts';
export { type CpuCore, type HoldForm, Vcpu } from './vcpu.ts';
