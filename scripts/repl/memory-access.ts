import { CommandError, type Cpu, type Machine } from '../../core/index.ts';
import { hex } from './numbers.ts';

export interface PhysRange {
  gpa: number;
  length: number;
}

/**
 * A guest-physical range the REPL may touch through the guest view: inside memory and not MMIO (a
 * debugger read must not have device side effects; `vmgexit mmio-read` reaches devices on purpose).
 */
export function checkPhysical(machine: Machine, gpa: bigint, length: number, example: string): PhysRange {
  const end = gpa + BigInt(length);
  if (gpa < 0n || end > BigInt(machine.memory.size))
    throw new CommandError(
      `${hex(gpa)}..${hex(end)} is outside guest memory (0x0..${hex(machine.memory.size)}); example: ${example}`,
    );
  const at = Number(gpa);
  for (const r of machine.memory.mmioRanges()) {
    if (r.base < at + length && at < r.base + r.length)
      throw new CommandError(
        `${hex(gpa)}..${hex(end)} reaches MMIO of '${r.device.name}' at ${hex(r.base)}; use vmgexit mmio-read ${hex(r.base)} 4 to read it as the guest does; example: ${example}`,
      );
  }
  return { gpa: at, length };
}

/**
 * Guest-virtual (linear) range -> guest-physical pieces through the vCPU's paging, one per page. A
 * translation fault is a CommandError naming the page.
 */
export function virtualRanges(
  machine: Machine,
  cpu: Cpu,
  linear: bigint,
  length: number,
  access: 'read' | 'write',
  example: string,
): PhysRange[] {
  const out: PhysRange[] = [];
  let at = linear;
  let left = length;
  while (left > 0) {
    const t = cpu.translate(at, access);
    if ('fault' in t)
      throw new CommandError(
        `${hex(at)} does not translate for a ${access} (vector ${t.fault.vector}: ${t.fault.why}); example: ${example}`,
      );
    const n = Math.min(left, 4096 - (t.gpa % 4096));
    out.push(checkPhysical(machine, BigInt(t.gpa), n, example));
    at += BigInt(n);
    left -= n;
  }
  return out;
}

export function readRanges(machine: Machine, ranges: readonly PhysRange[]): Uint8Array {
  const out = new Uint8Array(ranges.reduce((n, r) => n + r.length, 0));
  let k = 0;
  for (const r of ranges) {
    out.set(machine.memory.read(r.gpa, r.length), k);
    k += r.length;
  }
  return out;
}

export function writeRanges(machine: Machine, ranges: readonly PhysRange[], bytes: Uint8Array): void {
  let k = 0;
  for (const r of ranges) {
    machine.memory.write(r.gpa, bytes.subarray(k, k + r.length));
    k += r.length;
  }
}
