/**
 * 64-bit IDT gates in the old kernel's idt_table (AMD APM vol. 2, 4.8.4 "Gate descriptors"): the
 * kernel model writes them as set_intr_gate() does.
 */
import type { Machine } from '../../core/index.ts';

/** Interrupt gate (type 0xe), DPL 0, present; selector __KERNEL_CS (x86.inc). */
const GATE_ATTR = 0x8e00;
const KERNEL_CS = 0x10;

export function intrGate(handler: number): Uint8Array {
  const g = new Uint8Array(16);
  const v = new DataView(g.buffer);
  v.setUint16(0, handler & 0xffff, true);
  v.setUint16(2, KERNEL_CS, true);
  v.setUint16(4, GATE_ATTR, true);
  v.setUint16(6, Math.floor(handler / 0x10000) & 0xffff, true);
  v.setUint32(8, Math.floor(handler / 2 ** 32), true);
  return g;
}

export function gatePresent(machine: Machine, idt: number, vector: number): boolean {
  return (machine.memory.read8(idt + vector * 16 + 5) & 0x80) !== 0;
}

export function setIntrGate(machine: Machine, idt: number, vector: number, handler: number): void {
  machine.memory.write(idt + vector * 16, intrGate(handler));
}
