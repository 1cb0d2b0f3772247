import { exitCodeName, Ghcb, type GhcbField } from '../../../core/index.ts';
import { hex } from '../numbers.ts';
import type { StagedGhcb } from '../session.ts';

const mark = (g: Ghcb, f: GhcbField) => (g.isValid(f) ? 'V' : '-');
const cell = (g: Ghcb, f: GhcbField, label: string) => `${label.padEnd(8)}${mark(g, f)} ${hex(g.get(f))}`;

/** Fields the guest writes for most exits, shown first; the rest follow when they are valid. */
const MAIN: ReadonlyArray<[GhcbField, string]> = [
  ['sw_exit_info_1', 'info1'],
  ['sw_exit_info_2', 'info2'],
  ['sw_scratch', 'scratch'],
  ['rax', 'rax'],
  ['rbx', 'rbx'],
  ['rcx', 'rcx'],
  ['rdx', 'rdx'],
];
const OTHERS: readonly GhcbField[] = ['cpl', 'xss', 'dr7', 'rip', 'rsp', 'rbp', 'rsi', 'rdi', 'xcr0'];

/**
 * The decoded GHCB page: exit code (its name on the next line), the exchange fields with their valid bits (V set, - clear),
 * other valid fields, usage, version and the raw valid bitmap; then the staged hand edits, if any.
 */
export function ghcbLines(bytes: Uint8Array, gpa: number, staged: StagedGhcb | null): string[] {
  const g = new Ghcb(bytes);
  const code = g.get('sw_exit_code');
  const lines = [
    `page ${hex(gpa)}  usage ${g.usage}  version ${g.protocolVersion}`,
    `exit    ${mark(g, 'sw_exit_code')} ${hex(code)}`,
    // The name on its own line: SVM_VMGEXIT_AP_JUMP_TABLE alone is wider than the pane at 80 columns.
    ...(code === 0n ? [] : [exitCodeName(code)]),
    ...MAIN.map(([f, label]) => cell(g, f, label)),
    ...OTHERS.filter((f) => g.isValid(f)).map((f) => cell(g, f, f)),
    `valid   ${hex(g.validBitmap())}`,
  ];
  if (staged) {
    const edits = Object.entries(staged.fields).map(([f, v]) => `${f}=${hex(v as bigint)}`);
    if (staged.usage !== undefined) edits.push(`usage=${staged.usage}`);
    lines.push(`staged: ${edits.join(' ') || '(nothing)'}`);
  }
  return lines;
}
