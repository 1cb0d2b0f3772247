/**
 * The devices every PC-shaped machine has, attached by the Machine from its config's `devices`
 * section (QEMU's pc machine gives a guest the same set): COM1, the VGA text buffer, the local APIC's
 * xAPIC page, and optionally a register-file test device that records every access.
 */
import type { PortBus } from './devices/port-bus.ts';
import { RegfileDevice } from './devices/regfile-device.ts';
import { COM1, UART_PORTS, Uart16550 } from './devices/uart16550.ts';
import { VGA_TEXT_BASE, VGA_TEXT_WINDOW, VgaText } from './devices/vga-text.ts';
import type { EventLog } from './event-log.ts';
import { XAPIC_BASE } from './hypervisor/apic.ts';
import { XAPIC_PAGE, XapicMmio } from './hypervisor/xapic-mmio.ts';
import type { GuestMemory } from './memory/guest-memory.ts';
import { PAGE_SIZE } from './memory/page-store.ts';
import type { Vcpu } from './vcpu.ts';

export interface PlatformDevicesConfig {
  /** A 16550 UART at ports 0x3F8-0x3FF; each line it sends (CR dropped) becomes a `device` event from `com1`. */
  com1: boolean;
  /** The VGA text buffer at 0xB8000 (0x8000 bytes), rendered as text on request. */
  vga: boolean;
  /** The xAPIC page at 0xFEE00000: ICR writes send IPIs through the hypervisor. */
  xapic: boolean;
  /** A register file of `size` bytes at GPA `base` (page aligned) that records every access; null for none. */
  regfile: { base: number; size: number } | null;
}

export const defaultPlatformDevices = (): PlatformDevicesConfig => ({
  com1: true,
  vga: true,
  xapic: true,
  regfile: null,
});

export interface PlatformDeviceDeps {
  memory: GuestMemory;
  ports: PortBus;
  log: EventLog;
  /** The vCPU whose access a device is serving (kvm_get_running_vcpu). */
  current(): Vcpu | null;
  icrWrite(from: Vcpu, icr: bigint): void;
}

/** The attached devices; a device left out of the config is null. */
export interface PlatformDevices {
  readonly uart: Uart16550 | null;
  readonly vga: VgaText | null;
  readonly xapic: XapicMmio | null;
  /** Its `log` holds every access, in order. */
  readonly regfile: RegfileDevice | null;
}

export function attachPlatformDevices(
  config: PlatformDevicesConfig,
  deps: PlatformDeviceDeps,
): PlatformDevices {
  let uart: Uart16550 | null = null;
  if (config.com1) {
    uart = new Uart16550({
      base: COM1,
      name: 'com1',
      onLine: (line) => deps.log.append({ kind: 'device', device: 'com1', message: line }),
    });
    deps.ports.add(COM1, UART_PORTS, uart);
  }
  let vga: VgaText | null = null;
  if (config.vga) {
    vga = new VgaText();
    deps.memory.addMmio(VGA_TEXT_BASE, VGA_TEXT_WINDOW, vga);
  }
  let xapic: XapicMmio | null = null;
  if (config.xapic) {
    xapic = new XapicMmio({ current: deps.current, icrWrite: deps.icrWrite });
    deps.memory.addMmio(XAPIC_BASE, XAPIC_PAGE, xapic);
  }
  let regfile: RegfileDevice | null = null;
  if (config.regfile) {
    const { base, size } = config.regfile;
    regfile = new RegfileDevice({ size });
    deps.memory.addMmio(base, Math.ceil(size / PAGE_SIZE) * PAGE_SIZE, regfile);
  }
  return { uart, vga, xapic, regfile };
}
