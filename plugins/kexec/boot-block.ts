/**
 * Reading and writing the boot info block in guest memory (layout: boot-info.ts, boot_info.inc).
 */
import type { Machine } from '../../core/index.ts';
import { BOOT_INFO, decodeReport, type KernelReport } from './boot-info.ts';
import { LOADER_LAYOUT } from './layout.ts';

const at = (field: keyof typeof BOOT_INFO) => LOADER_LAYOUT.bootInfo + BOOT_INFO[field];

export function writeU32(machine: Machine, gpa: number, value: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  machine.memory.write(gpa, b);
}

export function writeU64(machine: Machine, gpa: number, value: bigint): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, value, true);
  machine.memory.write(gpa, b);
}

export const bootField = {
  read32: (machine: Machine, field: keyof typeof BOOT_INFO): number => machine.memory.read32(at(field)),
  write32: (machine: Machine, field: keyof typeof BOOT_INFO, value: number): void =>
    writeU32(machine, at(field), value),
  write64: (machine: Machine, field: keyof typeof BOOT_INFO, value: bigint): void =>
    writeU64(machine, at(field), value),
};

/** The kernel's last report (BI_RESULT), or null while it is 0. */
export function lastReport(machine: Machine): KernelReport | null {
  const word = bootField.read32(machine, 'result');
  return word === 0 ? null : decodeReport(word);
}

/** online[cpu] of the kernel's cpu_online_mask. */
export function onlineFlags(machine: Machine): Uint8Array {
  return machine.memory.read(LOADER_LAYOUT.onlineFlags, machine.vcpus.length);
}
