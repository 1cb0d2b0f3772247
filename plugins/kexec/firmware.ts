/**
 * What OVMF leaves behind for the OS under SEV-ES (edk2 UefiCpuPkg/Library/MpInitLib: DxeMpLib.c
 * GetSevEsAPMemory and MpInitChangeApLoopCallback, X64/AmdSev.nasm): firmware started
 * every AP during POST (its own INIT-SIPI, the first SIPI running the launch-time VMSA state) and,
 * at ExitBootServices, sent them into its AP loop: one GHCB-form AP reset hold, then real mode at the
 * reset vector in the AP jump table. That loop is firmware/ovmf_ap_stub.S, run by the interpreter.
 *
 * A plain VM needs nothing: its APs wait for the OS's INIT-SIPI in their reset state.
 */
import { readFileSync } from 'node:fs';
import type { Machine } from '../../core/index.ts';
import { OVMF_AP_STUB_SYMBOLS } from './firmware/ovmf_ap_stub.symbols.ts';
import { LOADER_LAYOUT, LOADER_OWNERS } from './layout.ts';

export const OVMF_AP_STUB_PATH = new URL('./firmware/ovmf_ap_stub.bin', import.meta.url);

/** VMCB attributes of the launch state: 32-bit flat code (0xc9b) and data (0xc93). */
const ATTR_CODE32 = 0xc9b;
const ATTR_DATA32 = 0xc93;
const STUB_CS32 = 0x08;
const STUB_DS32 = 0x10;
/** Instructions the APs may spend reaching firmware's hold (a few dozen each). */
const PARK_BUDGET_PER_AP = 1000;

export type FirmwareOutcome =
  | { kind: 'plain' }
  | { kind: 'parked'; aps: number }
  | { kind: 'failed'; why: string };

/** The launch-time VMSA state the VMM gives every AP: 32-bit flat mode at firmware's AP loop. */
function setLaunchState(machine: Machine, index: number): void {
  const cpu = machine.vcpu(index).cpu;
  cpu.reset();
  cpu.setReg('cr0', 0x11);
  for (const s of ['ds', 'es', 'ss', 'fs', 'gs'])
    cpu.setSegment(s, { selector: STUB_DS32, base: 0n, limit: 0xffffffff, attributes: ATTR_DATA32 });
  cpu.setSegment('cs', { selector: STUB_CS32, base: 0n, limit: 0xffffffff, attributes: ATTR_CODE32 });
  cpu.setReg('rip', OVMF_AP_STUB_SYMBOLS.ap_stub_entry);
}

/**
 * Firmware's part of the boot, after `machine.boot()`: under SEV-ES copy the AP loop into its
 * reserved page, start each AP into it and run the APs until every one holds.
 */
export function firmwareParkAps(machine: Machine): FirmwareOutcome {
  if (machine.config.sev !== 'es') return { kind: 'plain' };
  const base = LOADER_LAYOUT.firmwareApStub;
  if (!machine.memory.reservedAt(base)) machine.memory.reserve(base, 4096, LOADER_OWNERS.firmwareApStub);
  machine.memory.write(base, new Uint8Array(readFileSync(OVMF_AP_STUB_PATH)));
  const table = new Uint8Array(4);
  new DataView(table.buffer).setUint32(0, machine.config.firmware.apJumpTable ?? 0, true);
  machine.memory.write(OVMF_AP_STUB_SYMBOLS.ap_jump_table_gpa, table);
  const bsp = machine.vcpu(0);
  const aps = machine.vcpus.slice(1);
  for (const ap of aps) {
    setLaunchState(machine, ap.index);
    // Firmware's per-CPU GHCB, mapped shared; the GHCB MSR still holds it when the AP loop starts.
    ap.cpu.ghcbMsr = BigInt(machine.kernel.ghcbGpa(ap));
    machine.hv.init(bsp, ap);
    machine.hv.sipi(bsp, ap, 0);
  }
  const stop = machine.run({
    maxInstructions: PARK_BUDGET_PER_AP * Math.max(1, aps.length),
    only: aps.map((v) => v.index),
    until: () => aps.every((v) => v.state === 'ap-reset-hold'),
  });
  if (stop.kind === 'until' || aps.length === 0) return { kind: 'parked', aps: aps.length };
  const stuck = aps.filter((v) => v.state !== 'ap-reset-hold').map((v) => `cpu${v.index} ${v.state}`);
  return {
    kind: 'failed',
    why: `firmware's AP loop did not reach the hold (${stop.kind}): ${stuck.join(', ')}`,
  };
}
