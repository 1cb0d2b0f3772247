/**
 * What a plugin registers runs behind a guard: a throw becomes one `plugin-error` event naming the
 * plugin and what failed, and the machine goes on as KVM and the kernel do when no device or handler
 * is there. An unclaimed port reads all ones and drops writes (kvm_io_bus_read fails, emulator_pio_in
 * fills with 0xff); unclaimed MMIO reads all ones (QEMU's unassigned_mem_read); a notifier or handler
 * that fails is skipped and the next one, or core, decides.
 */
import type { MmioDevice } from './devices/mmio-device.ts';
import { type PortDevice, portAllOnes } from './devices/port-bus.ts';
import type { PanicHandler } from './guest/panic.ts';
import type { VcHandler } from './guest/vc/types.ts';
import type { ExitRow } from './hypervisor/exit-table.ts';
import type { MsrProtocolHandler } from './hypervisor/msr-protocol.ts';

/** Reports one failure of a plugin's code: `what` names the call (`port 0x510 read`). */
export type PluginFailureReport = (what: string, e: unknown) => void;

/**
 * Thrown on by a guarded exit row once its failure is reported. An exit row has no "pass" outcome, so
 * the hypervisor's handler loop catches this, moves to the next row and does not report it again.
 */
export class ReportedPluginFailure extends Error {
  override name = 'ReportedPluginFailure';
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * Runs `call`; on a throw reports it under `what` and returns `fallback()`. A `what` that names the
 * port or address is a function: device accesses are frequent, the name is needed only on a throw.
 */
function guarded<T>(
  report: PluginFailureReport,
  what: string | (() => string),
  call: () => T,
  fallback: () => T,
): T {
  try {
    return call();
  } catch (e) {
    report(typeof what === 'string' ? what : what(), e);
    return fallback();
  }
}

/** Methods are called on the device itself, so a class instance keeps its `this`. */
export function guardPortDevice(device: PortDevice, report: PluginFailureReport): PortDevice {
  return {
    name: device.name,
    read: (port, size) =>
      guarded(
        report,
        () => `port ${hex(port)} read`,
        () => device.read(port, size),
        () => portAllOnes(size),
      ),
    write: (port, size, value) =>
      guarded(
        report,
        () => `port ${hex(port)} write`,
        () => device.write(port, size, value),
        () => undefined,
      ),
    ...(device.snapshot ? { snapshot: () => device.snapshot?.() } : {}),
    ...(device.restore ? { restore: (saved: unknown) => device.restore?.(saved) } : {}),
  };
}

export function guardMmioDevice(device: MmioDevice, base: number, report: PluginFailureReport): MmioDevice {
  return {
    name: device.name,
    read: (offset, size) =>
      guarded(
        report,
        () => `MMIO ${hex(base + offset)} read`,
        () => device.read(offset, size),
        () => (1n << BigInt(8 * size)) - 1n,
      ),
    write: (offset, size, value) =>
      guarded(
        report,
        () => `MMIO ${hex(base + offset)} write`,
        () => device.write(offset, size, value),
        () => undefined,
      ),
    ...(device.snapshot ? { snapshot: () => device.snapshot?.() } : {}),
    ...(device.restore ? { restore: (saved: unknown) => device.restore?.(saved) } : {}),
  };
}

export function guardExitRow(row: ExitRow, report: PluginFailureReport): ExitRow {
  const what = `VMGEXIT ${hex(row.exitCode)} (${row.name}) handler`;
  return {
    exitCode: row.exitCode,
    name: row.name,
    ...(row.requires ? { requires: row.requires.bind(row) } : {}),
    ...(row.scratchLength ? { scratchLength: row.scratchLength.bind(row) } : {}),
    handle: (ctx) =>
      guarded(
        report,
        what,
        () => row.handle(ctx),
        () => {
          throw new ReportedPluginFailure(what);
        },
      ),
  };
}

export function guardMsrProtocol(h: MsrProtocolHandler, report: PluginFailureReport): MsrProtocolHandler {
  const what = `MSR protocol request ${hex(h.code)} (${h.name}) handler`;
  return {
    code: h.code,
    name: h.name,
    handle: (ctx) =>
      guarded(
        report,
        what,
        () => h.handle(ctx),
        () => undefined,
      ),
  };
}

export function guardVcHandler(h: VcHandler, report: PluginFailureReport): VcHandler {
  const what = `#VC ${hex(h.exitCode)} (${h.name})`;
  const causedBy = h.causedBy;
  return {
    exitCode: h.exitCode,
    name: h.name,
    // A check that fails claims nothing: the kernel then reports the opcode as unhandled.
    ...(causedBy
      ? {
          causedBy: (insn) =>
            guarded(
              report,
              `${what} causedBy`,
              () => causedBy.call(h, insn),
              () => false,
            ),
        }
      : {}),
    handle: (ctx) =>
      guarded(
        report,
        `${what} handler`,
        () => h.handle(ctx),
        () => undefined,
      ),
  };
}

export function guardInitHandler<V extends { readonly index: number }>(
  handler: (vcpu: V) => void,
  report: PluginFailureReport,
) {
  return (vcpu: V): void =>
    guarded(
      report,
      () => `INIT handler for cpu${vcpu.index}`,
      () => handler(vcpu),
      () => undefined,
    );
}

export function guardPanicHandler(h: PanicHandler, report: PluginFailureReport): PanicHandler {
  return {
    name: h.name,
    handle: (ctx) =>
      guarded(
        report,
        `panic handler ${h.name}`,
        () => h.handle(ctx),
        () => undefined,
      ),
  };
}
