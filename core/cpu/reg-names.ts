/**
 * Register names for `Cpu.getReg`/`setReg` (the REPL, scenarios and the guest kernel model's pt_regs
 * access): GPRs at every width, the instruction pointer, flags, segment selectors, control and debug
 * registers, EFER, descriptor-table registers.
 */
const GPR64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'] as const;

/** The 64-bit GPR names in ModRM register order (SDM Vol. 2, table 2-2, with REX): index = number. */
export const GPR64_NAMES = [...GPR64, 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;
export type Gpr64Name = (typeof GPR64_NAMES)[number];

export type GprName = { kind: 'gpr'; n: number; size: 1 | 2 | 4 | 8; high: boolean };
export type RegName =
  | GprName
  | { kind: 'ip'; size: 2 | 4 | 8 }
  | { kind: 'flags'; size: 2 | 4 | 8 }
  | { kind: 'seg'; n: number }
  | { kind: 'other'; name: string };

const table = new Map<string, RegName>();
GPR64.forEach((r, n) => {
  const base = r.slice(1);
  table.set(r, { kind: 'gpr', n, size: 8, high: false });
  table.set(`e${base}`, { kind: 'gpr', n, size: 4, high: false });
  table.set(base, { kind: 'gpr', n, size: 2, high: false });
});
['al', 'cl', 'dl', 'bl'].forEach((r, n) => {
  table.set(r, { kind: 'gpr', n, size: 1, high: false });
  table.set(`${r[0]}h`, { kind: 'gpr', n, size: 1, high: true });
});
['spl', 'bpl', 'sil', 'dil'].forEach((r, k) => {
  table.set(r, { kind: 'gpr', n: 4 + k, size: 1, high: false });
});
for (let n = 8; n < 16; n++) {
  table.set(`r${n}`, { kind: 'gpr', n, size: 8, high: false });
  table.set(`r${n}d`, { kind: 'gpr', n, size: 4, high: false });
  table.set(`r${n}w`, { kind: 'gpr', n, size: 2, high: false });
  table.set(`r${n}b`, { kind: 'gpr', n, size: 1, high: false });
}
table.set('rip', { kind: 'ip', size: 8 });
table.set('eip', { kind: 'ip', size: 4 });
table.set('ip', { kind: 'ip', size: 2 });
table.set('rflags', { kind: 'flags', size: 8 });
table.set('eflags', { kind: 'flags', size: 4 });
table.set('flags', { kind: 'flags', size: 2 });
['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'ldtr', 'tr'].forEach((s, n) => {
  table.set(s, { kind: 'seg', n });
});
for (const o of [
  'cr0',
  'cr2',
  'cr3',
  'cr4',
  'cr8',
  'efer',
  'dr6',
  'dr7',
  'gdtr_base',
  'gdtr_limit',
  'idtr_base',
  'idtr_limit',
  'fs_base',
  'gs_base',
  'xcr0',
]) {
  table.set(o, { kind: 'other', name: o });
}

export const REGISTER_NAMES: readonly string[] = [...table.keys()];

export function parseRegName(name: string): RegName {
  const r = table.get(name.toLowerCase());
  if (r === undefined) {
    throw new Error(`unknown register '${name}'; use one of: ${REGISTER_NAMES.join(' ')}`);
  }
  return r;
}
