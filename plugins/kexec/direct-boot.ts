/**
 * Direct kernel boot of the BSP, as a VMM does it (QEMU's -kernel, firecracker): the VMM writes the
 * image and the boot info block into guest memory and sets the boot CPU's initial state, here 64-bit
 * mode on an identity map the loader builds, with RSI = the boot info block (boot_info.inc). Under
 * SEV-ES the VMM may still set that state: it is the launch-time VMSA, measured before the guest runs.
 */
import type { Machine } from '../../core/index.ts';
import { LOADER_LAYOUT } from './layout.ts';

/** VMCB attribute form: type 3:0, S 4, DPL 6:5, P 7, L 9, D/B 10, G 11. */
const ATTR_CODE64 = 0x29b;
const ATTR_DATA = 0xc93;
const CR0_PE_MP_ET_NE_WP_PG = 0x80050033;
const CR4_PAE = 0x20;
const EFER_LME_LMA = 0x500;
const PAGE_PRESENT_WRITABLE = 0x3n;
const PAGE_PS_WRITABLE_PRESENT = 0x83n;
/** Selectors as the test kernels' GDT numbers them (x86.inc __KERNEL_CS, __KERNEL_DS). */
const KERNEL_CS = 0x10;
const KERNEL_DS = 0x18;

/** The identity map of the low 4 GiB with 2 MiB pages: PML4, PDPT, four page directories. */
export function identityMapBytes(base: number): Uint8Array {
  const bytes = new Uint8Array(LOADER_LAYOUT.pageTableSize);
  const v = new DataView(bytes.buffer);
  v.setBigUint64(0, BigInt(base + 0x1000) | PAGE_PRESENT_WRITABLE, true);
  for (let i = 0; i < 4; i++)
    v.setBigUint64(0x1000 + i * 8, BigInt(base + 0x2000 + i * 0x1000) | PAGE_PRESENT_WRITABLE, true);
  for (let i = 0; i < 2048; i++)
    v.setBigUint64(0x2000 + i * 8, (BigInt(i) << 21n) | PAGE_PS_WRITABLE_PRESENT, true);
  return bytes;
}

/** The BSP's state at the kernel entry: long mode, interrupts off, RSI = boot info. */
export function enterLongMode(machine: Machine, entry: number, bootInfo: number): void {
  const cpu = machine.vcpu(0).cpu;
  cpu.setReg('cr4', CR4_PAE);
  cpu.setReg('cr3', LOADER_LAYOUT.pageTable);
  cpu.setReg('efer', EFER_LME_LMA);
  cpu.setReg('cr0', CR0_PE_MP_ET_NE_WP_PG);
  for (const s of ['ds', 'es', 'ss', 'fs', 'gs'])
    cpu.setSegment(s, { selector: KERNEL_DS, base: 0n, limit: 0xffffffff, attributes: ATTR_DATA });
  cpu.setSegment('cs', { selector: KERNEL_CS, base: 0n, limit: 0xffffffff, attributes: ATTR_CODE64 });
  cpu.setReg('rflags', 0x2);
  cpu.setReg('rsi', bootInfo);
  cpu.setReg('rsp', 0);
  cpu.setReg('rip', entry);
}
