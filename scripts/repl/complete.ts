import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REGISTER_NAMES } from '../../core/index.ts';
import { type ArgSpec, GHCB_EDITABLE } from './grammar.ts';
import type { CommandRow } from './row.ts';
import type { Session } from './session.ts';
import { commandTable } from './table.ts';

export interface Completion {
  /** The line with the word under completion replaced by the longest common prefix. */
  line: string;
  /** Every candidate for the word (shown when there is more than one). */
  candidates: string[];
}

/** Words of a line for completion: like tokenize, but the last (possibly empty) word is kept. */
function split(line: string): { words: string[]; partial: string; head: string } {
  const cut = line.lastIndexOf(' ') + 1;
  const partial = line.slice(cut);
  const words = line
    .slice(0, cut)
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  // gdb's glued format, as tokenize splits it: `x/4xw $r` is `x`, `/4xw`, `$r`.
  const slash = words[0]?.indexOf('/') ?? -1;
  if (slash > 0) words.splice(0, 1, words[0]!.slice(0, slash), words[0]!.slice(slash));
  return { words, partial, head: line.slice(0, cut) };
}

/** The registers people reach for first (64-bit GPRs, RIP, RFLAGS), then every other name. */
const FIRST_REGISTERS = [
  ...['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp'],
  ...['r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'pc', 'rflags'],
];
const REGISTER_ORDER = new Map(
  [...FIRST_REGISTERS, ...REGISTER_NAMES.filter((r) => !FIRST_REGISTERS.includes(r))].map((r, i) => [
    `$${r}`,
    i,
  ]),
);
const ALL_REGISTERS = ['$pc', ...REGISTER_NAMES.map((r) => `$${r}`)];

/** Registers in REGISTER_ORDER, before anything else; everything else alphabetically. */
function byRank(a: string, b: string): number {
  const ra = REGISTER_ORDER.get(a) ?? Number.POSITIVE_INFINITY;
  const rb = REGISTER_ORDER.get(b) ?? Number.POSITIVE_INFINITY;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function files(partial: string): string[] {
  const dir = partial.endsWith('/') ? partial : dirname(partial);
  const base = partial.endsWith('/') ? '' : partial.slice(partial.lastIndexOf('/') + 1);
  try {
    return readdirSync(dir === '' ? '.' : dir)
      .filter((f) => f.startsWith(base) && (base.startsWith('.') || !f.startsWith('.')))
      .map((f) => {
        const path = dir === '.' && !partial.startsWith('./') ? f : join(dir, f);
        return statSync(path).isDirectory() ? `${path}/` : path;
      });
  } catch {
    return [];
  }
}

/** Candidates for an argument of `kind`. */
function forSpec(spec: ArgSpec | undefined, partial: string): string[] {
  switch (spec?.kind) {
    case 'register':
      return REGISTER_NAMES.map((r) => `$${r}`);
    case 'choice':
      return [...(spec.choices ?? [])];
    case 'literal':
      return [spec.name];
    case 'ghcb-field':
      return [...GHCB_EDITABLE];
    case 'file':
      return files(partial);
    default:
      return [];
  }
}

/** Which argument spec the next word fills, given the words already typed after the row name. */
function specAt(r: CommandRow, typed: readonly string[]): ArgSpec | undefined {
  let i = 0;
  for (const spec of r.args) {
    if (spec.kind === 'format' && !typed[i]?.startsWith('/')) continue;
    if (spec.kind === 'rest') return spec;
    if (i === typed.length) return spec;
    i++;
  }
  return undefined;
}

/** The candidates for the last word of `line`: command words, then argument completions. */
export function candidates(table: readonly CommandRow[], line: string, session: Session): string[] {
  const { words, partial } = split(line);
  const out = new Set<string>();
  // Command words: rows whose name continues the typed words.
  for (const r of table) {
    const name = r.name.split(' ');
    const firsts = [name[0]!, ...(words.length === 0 ? (r.aliases ?? []) : [])];
    if (
      words.length < name.length &&
      name
        .slice(0, words.length)
        .every((w, i) => w === words[i] || (i === 0 && r.aliases?.includes(words[0]!)))
    ) {
      if (words.length === 0) for (const f of firsts) out.add(f);
      else out.add(name[words.length]!);
    }
  }
  // Arguments of the longest row the typed words already name.
  const matching = table
    .filter((r) => {
      const name = r.name.split(' ');
      return (
        name.length <= words.length &&
        name.every((w, i) => w === words[i] || (i === 0 && r.aliases?.includes(words[0]!)))
      );
    })
    .sort((a, b) => b.name.split(' ').length - a.name.split(' ').length)[0];
  if (matching) {
    const typed = words.slice(matching.name.split(' ').length);
    if (matching.complete) for (const c of matching.complete([...typed, partial], session)) out.add(c);
    else for (const c of forSpec(specAt(matching, typed), partial)) out.add(c);
  }
  // `$` starts a register wherever a value can go (`x/4xw $r`, `set u32 $rsp = 1`, `print $r`).
  if (partial.startsWith('$') && words.length > 0) for (const r of ALL_REGISTERS) out.add(r);
  return [...out].filter((c) => c.startsWith(partial)).sort(byRank);
}

const commonPrefix = (xs: readonly string[]): string =>
  xs.reduce((p, x) => {
    let i = 0;
    while (i < p.length && p[i] === x[i]) i++;
    return p.slice(0, i);
  }, xs[0] ?? '');

/**
 * Tab: completes the word before the cursor (the line's end) as far as all candidates agree; one
 * candidate also gets its trailing space (not after a directory).
 */
export function complete(session: Session, line: string): Completion {
  const list = candidates(commandTable(session), line, session);
  const { head, partial } = split(line);
  if (list.length === 0) return { line, candidates: [] };
  if (list.length === 1) {
    const only = list[0]!;
    return { line: `${head}${only}${only.endsWith('/') ? '' : ' '}`, candidates: list };
  }
  const prefix = commonPrefix(list);
  return { line: `${head}${prefix.length > partial.length ? prefix : partial}`, candidates: list };
}
