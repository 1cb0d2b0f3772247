import { defaultHypervisorConfig, type HypervisorConfig } from './hypervisor/config.ts';
import { defaultPlatformDevices, type PlatformDevicesConfig } from './platform-devices.ts';

export interface ReservedRegion {
  base: number;
  length: number;
  owner: string;
}

export interface MachineConfig {
  /** Number of vCPUs, 1 to 4096. vCPU 0 is the BSP. */
  vcpus: number;
  /** Bytes of guest physical RAM (sparse: only touched pages cost memory). */
  memory: number;
  sev: 'none' | 'es';
  /** Seeds the VM key; same seed and inputs give the same event log. */
  seed: number;
  hypervisor: HypervisorConfig;
  firmware: {
    /** GPA of the AP jump table page firmware registers with AP_JUMP_TABLE SET, or null for none. */
    apJumpTable: number | null;
    /** Firmware-reserved ranges (the jump table page is added automatically). */
    reserved: ReservedRegion[];
  };
  /** Base of the per-CPU GHCB pages (one 4 KiB page per vCPU, mapped shared). */
  ghcbBase: number;
  /** The platform devices the machine attaches (default: COM1, VGA text, xAPIC; no register file). */
  devices: PlatformDevicesConfig;
}

export const MAX_VCPUS = 4096;

/**
 * Per-CPU GHCB pages go at the top of low memory, 2 MiB-aligned, below the 1 MiB the AP jump table
 * takes there: out of the way of kernel images, which load from 16 MiB up.
 */
export function defaultGhcbBase(memory: number, vcpus: number): number {
  const top = Math.min(memory, 2 ** 32) - 0x20_0000 - vcpus * 4096;
  return Math.max(0, Math.floor(top / 0x20_0000) * 0x20_0000);
}

/** The default machine: 4 vCPUs, 256 MiB, SEV-ES, a 1..2 hypervisor, a jump table below 4 GiB. */
export function machineConfig(
  partial: Partial<Omit<MachineConfig, 'hypervisor' | 'firmware' | 'devices'>> & {
    hypervisor?: Partial<HypervisorConfig>;
    firmware?: Partial<MachineConfig['firmware']>;
    devices?: Partial<PlatformDevicesConfig>;
  } = {},
): MachineConfig {
  const sev = partial.sev ?? 'es';
  const memory = partial.memory ?? 256 * 2 ** 20;
  return {
    vcpus: partial.vcpus ?? 4,
    memory,
    sev,
    seed: partial.seed ?? 0,
    hypervisor: { ...defaultHypervisorConfig(sev), ...partial.hypervisor, sev },
    firmware: {
      // OVMF allocates the page as reserved memory below 4 GiB; here: 1 MiB below the top of low RAM.
      apJumpTable:
        partial.firmware?.apJumpTable !== undefined
          ? partial.firmware.apJumpTable
          : sev === 'es'
            ? Math.min(memory, 2 ** 32) - 0x10_0000
            : null,
      reserved: partial.firmware?.reserved ?? [],
    },
    ghcbBase: partial.ghcbBase ?? defaultGhcbBase(memory, partial.vcpus ?? 4),
    devices: { ...defaultPlatformDevices(), ...partial.devices },
  };
}
