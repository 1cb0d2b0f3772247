/**
 * The x86 I/O port space (64 Ki byte-wide ports) and the devices mapped into it. KVM hands IN/OUT
 * exits to the device registered for the port (kvm_io_bus_read/kvm_io_bus_write); a port nobody
 * claims reads as all ones, as an undriven ISA bus does, and writes to it are dropped.
 */
import { DeviceError } from './device-error.ts';

export type PortSize = 1 | 2 | 4;

export interface PortDevice {
  readonly name: string;
  /** `port` is the absolute port number; the result is the low `size` bytes. */
  read(port: number, size: PortSize): number;
  write(port: number, size: PortSize, value: number): void;
  /** A copy of the device's registers and buffers, kept in machine snapshots (optional). */
  snapshot?(): unknown;
  /** Puts back what `snapshot` returned (machine restore). */
  restore?(saved: unknown): void;
}

export const PORT_SPACE = 0x10000;

/** All ones of an access width: what an unclaimed port reads as. */
const ALL_ONES = { 1: 0xff, 2: 0xffff, 4: 0xffff_ffff } as const satisfies Record<PortSize, number>;

/** What an unclaimed port (or a device that failed) reads as for an access of `size` bytes. */
export const portAllOnes = (size: PortSize): number => ALL_ONES[size];

interface PortRange {
  readonly base: number;
  readonly count: number;
  readonly device: PortDevice;
}

export class PortBus {
  private readonly ranges: PortRange[] = [];
  /** Port number -> range, filled on add: the bus is at most 64 Ki entries and lookups are hot. */
  private readonly byPort = new Array<PortRange | undefined>(PORT_SPACE);

  /** Maps `device` over ports [base, base + count); returns the undo (a plugin's teardown). */
  add(base: number, count: number, device: PortDevice): () => void {
    if (
      !Number.isInteger(base) ||
      !Number.isInteger(count) ||
      base < 0 ||
      count < 1 ||
      base + count > PORT_SPACE
    ) {
      throw new DeviceError(
        `Ports ${base}+${count} for '${device.name}' are not a valid range: give an integer base and a count ` +
          'of at least 1 that stay within ports 0x0-0xffff.',
      );
    }
    const clash = this.ranges.find((r) => r.base < base + count && base < r.base + r.count);
    if (clash) {
      throw new DeviceError(
        `Ports ${hex(base)}-${hex(base + count - 1)} for '${device.name}' overlap '${clash.device.name}' at ` +
          `${hex(clash.base)}-${hex(clash.base + clash.count - 1)}: port ranges may not overlap.`,
      );
    }
    const range = { base, count, device };
    this.ranges.push(range);
    for (let p = base; p < base + count; p++) this.byPort[p] = range;
    return () => this.remove(base);
  }

  /** Unmaps the range that starts at `base`; false if none does. */
  remove(base: number): boolean {
    const i = this.ranges.findIndex((r) => r.base === base);
    const range = this.ranges[i];
    if (range === undefined) return false;
    this.ranges.splice(i, 1);
    for (let p = range.base; p < range.base + range.count; p++) this.byPort[p] = undefined;
    return true;
  }

  /** Every mapped device, once each, in the order they were added. */
  devices(): PortDevice[] {
    return [...new Set(this.ranges.map((r) => r.device))];
  }

  /** The device owning `port`, if any. */
  deviceAt(port: number): PortDevice | undefined {
    return this.byPort[port]?.device;
  }

  /** IN: a multi-byte access goes whole to the device owning its first port. */
  in(port: number, size: PortSize): number {
    checkAccess(port, size);
    const range = this.byPort[port];
    if (range === undefined) return ALL_ONES[size];
    return mask(range.device.read(port, size), size);
  }

  out(port: number, size: PortSize, value: number): void {
    checkAccess(port, size);
    this.byPort[port]?.device.write(port, size, mask(value, size));
  }
}

function mask(value: number, size: PortSize): number {
  return size === 4 ? value >>> 0 : value & ALL_ONES[size];
}

function checkAccess(port: number, size: number): void {
  if (!Number.isInteger(port) || port < 0 || port >= PORT_SPACE || !(size in ALL_ONES)) {
    throw new DeviceError(
      `Port access of size ${size} at ${port} is not valid: ports are 0x0-0xffff and sizes 1, 2 or 4.`,
    );
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
