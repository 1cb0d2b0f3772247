import type { Cpu } from '../../../core/index.ts';
import { pad } from '../numbers.ts';

/** Registers in the order gdb's `info registers` shows them, then the system registers. */
export const SHOWN_REGISTERS = [
  ['rax', 16],
  ['rbx', 16],
  ['rcx', 16],
  ['rdx', 16],
  ['rsi', 16],
  ['rdi', 16],
  ['rbp', 16],
  ['rsp', 16],
  ['r8', 16],
  ['r9', 16],
  ['r10', 16],
  ['r11', 16],
  ['r12', 16],
  ['r13', 16],
  ['r14', 16],
  ['r15', 16],
  ['rip', 16],
  ['rflags', 8],
  ['cs', 4],
  ['ss', 4],
  ['ds', 4],
  ['es', 4],
  ['fs', 4],
  ['gs', 4],
  ['cr0', 8],
  ['cr2', 16],
  ['cr3', 16],
  ['cr4', 8],
  ['efer', 8],
] as const;

/** EFLAGS bits with a letter, low to high (SDM Vol. 1, 3.4.3). */
const FLAG_LETTERS: ReadonlyArray<[number, string]> = [
  [0, 'CF'],
  [2, 'PF'],
  [4, 'AF'],
  [6, 'ZF'],
  [7, 'SF'],
  [8, 'TF'],
  [9, 'IF'],
  [10, 'DF'],
  [11, 'OF'],
];

export const flagNames = (rflags: bigint): string =>
  FLAG_LETTERS.filter(([bit]) => (rflags >> BigInt(bit)) & 1n)
    .map(([, n]) => n)
    .join(' ');

/** `rax 0000000000000000` cells, `columns` per line, plus the decoded flags and the GHCB MSR. */
export function registerLines(cpu: Cpu, columns: number): string[] {
  const cells = SHOWN_REGISTERS.map(
    ([name, digits]) => `${name.padEnd(6)} ${pad(cpu.getReg(name), digits).padEnd(16)}`,
  );
  const lines: string[] = [];
  const per = Math.max(1, columns);
  for (let i = 0; i < cells.length; i += per)
    lines.push(
      cells
        .slice(i, i + per)
        .join('  ')
        .trimEnd(),
    );
  lines.push(`flags  [${flagNames(cpu.getReg('rflags'))}]  ghcb-msr ${pad(cpu.ghcbMsr, 16)}`);
  return lines;
}
