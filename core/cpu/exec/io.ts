/**
 * IN/OUT. Without SEV-ES the port goes to the Platform (as KVM emulates it); under SEV-ES the
 * instruction raises #VC(IOIO, 0x7B) before anything happens (GHCB spec 4.1.2, the kernel's
 * vc_handle_ioio), string forms included.
 */
import { VcFault } from '../access.ts';
import type { Insn } from '../insn.ts';
import type { CpuState } from '../state.ts';
import { SVM_EXIT } from '../vc-exits.ts';
import { immOf, setReg } from './operands.ts';

export function ioIn(c: CpuState, port: number, size: 1 | 2 | 4, _i: Insn): number {
  if (c.sevEs) throw new VcFault(SVM_EXIT.IOIO, `IN from port 0x${port.toString(16)}`);
  const v = c.platform.ioIn(port, size);
  return size === 4 ? v >>> 0 : v & (size === 1 ? 0xff : 0xffff);
}

export function ioOut(c: CpuState, port: number, size: 1 | 2 | 4, v: number, _i: Insn): void {
  if (c.sevEs) throw new VcFault(SVM_EXIT.IOIO, `OUT to port 0x${port.toString(16)}`);
  c.platform.ioOut(port, size, size === 4 ? v >>> 0 : v & (size === 1 ? 0xff : 0xffff));
}

const eax = (i: Insn): 2 | 4 => (i.opSize === 2 ? 2 : 4);
const dx = (c: CpuState) => c.r[2]! & 0xffff;
const ib = (c: CpuState, i: Insn) => immOf(c, i, 1);

export const ioHandlers = {
  inALIb: (c: CpuState, i: Insn) => setReg(c, 0, 1, ioIn(c, ib(c, i), 1, i), false),
  ineAXIb: (c: CpuState, i: Insn) => setReg(c, 0, eax(i), ioIn(c, ib(c, i), eax(i), i), false),
  inALDX: (c: CpuState, i: Insn) => setReg(c, 0, 1, ioIn(c, dx(c), 1, i), false),
  ineAXDX: (c: CpuState, i: Insn) => setReg(c, 0, eax(i), ioIn(c, dx(c), eax(i), i), false),
  outIbAL: (c: CpuState, i: Insn) => ioOut(c, ib(c, i), 1, c.r[0]!, i),
  outIbeAX: (c: CpuState, i: Insn) => ioOut(c, ib(c, i), eax(i), c.r[0]!, i),
  outDXAL: (c: CpuState, i: Insn) => ioOut(c, dx(c), 1, c.r[0]!, i),
  outDXeAX: (c: CpuState, i: Insn) => ioOut(c, dx(c), eax(i), c.r[0]!, i),
};
