/** The line a failed or stuck step prints for every vCPU: index, mode, CS:RIP, run state. */
import type { Machine } from '../../../core/index.ts';

const MAX_LISTED = 16;

export function vcpuStates(machine: Machine): string {
  const lines = machine.vcpus.slice(0, MAX_LISTED).map((v) => {
    const cs = v.cpu.getSegment('cs').selector.toString(16).padStart(4, '0');
    const rip = v.cpu.getReg('rip').toString(16).padStart(4, '0');
    return `cpu${v.index} ${v.cpu.mode()} ${cs}:${rip} ${v.state}`;
  });
  const more = machine.vcpus.length - MAX_LISTED;
  return [...lines, ...(more > 0 ? [`(${more} more vCPUs)`] : [])].join('; ');
}
