import type { Cpu, Machine, Vcpu } from '../../../core/index.ts';
import { pad } from '../numbers.ts';

/** The run states as the vCPU table names them. */
export const RUN_STATE_LABELS = {
  running: 'running',
  halted: 'halted',
  'wait-for-sipi': 'wait SIPI',
  'ap-reset-hold': 'reset hold',
  parked: 'parked',
  offline: 'offline',
  terminated: 'terminated',
} as const;
export type RunStateLabel = (typeof RUN_STATE_LABELS)[keyof typeof RUN_STATE_LABELS];

/**
 * A vCPU's run state for display. An AP in reset hold whose CS base is the AP jump table page is
 * parked: it runs the jump table's park code, waiting for a SIPI to send it where the table says.
 */
export function runStateLabel(v: Vcpu<Cpu>, machine: Machine): RunStateLabel {
  if (v.state === 'ap-reset-hold') {
    const jt = machine.hv.apJumpTable || machine.config.firmware.apJumpTable;
    const page = BigInt(Math.floor((jt ?? 0) / 4096) * 4096);
    if (jt && v.cpu.getSegment('cs').base === page) return 'parked';
  }
  return RUN_STATE_LABELS[v.state];
}

export const MODE_LABELS = {
  real: 'real',
  protected16: 'prot16',
  protected32: 'prot32',
  long64: 'long64',
  compat16: 'compat16',
  compat32: 'compat32',
} as const;

/** CS:IP in real and 16/32-bit modes (segment:offset stays first class), RIP in 64-bit mode. */
export function csip(cpu: Cpu): string {
  const mode = cpu.mode();
  const rip = cpu.getReg('rip');
  if (mode === 'long64') return pad(rip, 16);
  const cs = pad(cpu.getReg('cs'), 4);
  return mode === 'real' || mode === 'protected16' || mode === 'compat16'
    ? `${cs}:${pad(rip & 0xffffn, 4)}`
    : `${cs}:${pad(rip & 0xffffffffn, 8)}`;
}

/** One line of the vCPU table: index, mode, CS:IP, run state (CS:IP padded to `csipWidth`). */
export function vcpuLine(v: Vcpu<Cpu>, machine: Machine, indexWidth: number, csipWidth = 16): string {
  return `${String(v.index).padStart(indexWidth)} ${MODE_LABELS[v.cpu.mode()].padEnd(8)} ${csip(v.cpu).padEnd(csipWidth)} ${runStateLabel(v, machine)}`;
}
