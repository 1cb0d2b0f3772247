import { CommandError } from '../../core/index.ts';
import { cpuRows } from './commands/cpu.ts';
import { ipiRows } from './commands/ipi.ts';
import { memoryRows } from './commands/memory.ts';
import { pluginCommandRows, pluginRows } from './commands/plugins.ts';
import { protocolRows } from './commands/protocol.ts';
import { sessionRows } from './commands/session.ts';
import { vmgexitRows } from './commands/vmgexit.ts';
import type { CommandRow } from './row.ts';
import type { Session } from './session.ts';

const BUILTIN: readonly CommandRow[] = [
  ...memoryRows,
  ...cpuRows,
  ...protocolRows,
  ...vmgexitRows,
  ...ipiRows,
  ...pluginRows,
  ...sessionRows,
];

/** Built-in rows plus the commands of the plugins loaded right now. */
export function commandTable(session: Session): readonly CommandRow[] {
  const plugins = pluginCommandRows(session);
  return plugins.length === 0 ? BUILTIN : [...BUILTIN, ...plugins];
}

const nameWords = (r: CommandRow): string[] => r.name.split(' ');

function matches(r: CommandRow, words: readonly string[]): boolean {
  const n = nameWords(r);
  if (n.length > words.length) return false;
  const first = words[0]!;
  if (n[0] !== first && !r.aliases?.includes(first)) return false;
  return n.every((w, i) => i === 0 || w === words[i]);
}

/** The row whose name is the longest prefix of `words`, and the words left for its arguments. */
export function matchRow(
  table: readonly CommandRow[],
  words: readonly string[],
): { row: CommandRow; rest: string[] } {
  let best: CommandRow | null = null;
  for (const r of table) {
    if (matches(r, words) && (best === null || nameWords(r).length > nameWords(best).length)) best = r;
  }
  const first = words[0]!;
  if (best === null) {
    const forms = table.filter((r) => nameWords(r)[0] === first);
    if (forms.length > 0) throw subFormError(forms, words, 1);
    const near = closest(first, [...new Set(table.flatMap((r) => [nameWords(r)[0]!, ...(r.aliases ?? [])]))]);
    throw new CommandError(
      `unknown command '${first}'${near ? `; did you mean ${near}?` : ''} (help lists them); example: help x`,
    );
  }
  const rest = words.slice(nameWords(best).length);
  // `vmgexit bogus`: the bare row matched, but the word is meant as a sub-form.
  const longer = table.filter((r) => r.name.startsWith(`${best.name} `));
  if (longer.length > 0 && rest.length > 0 && best.args.length === 0)
    throw subFormError(longer, words, nameWords(best).length);
  return { row: best, rest };
}

/**
 * The error for words that start some rows' names but finish none: it names the first word that no
 * row continues with (`frob` in `vmgexit ap-jump-table frob`), then the example, then the forms that
 * would fit there, so a cut-off line still shows the example.
 */
function subFormError(rows: readonly CommandRow[], words: readonly string[], from: number): CommandError {
  let depth = from;
  let fit = rows;
  while (depth < words.length) {
    const deeper = fit.filter((r) => nameWords(r)[depth] === words[depth]);
    if (deeper.length === 0) break;
    fit = deeper;
    depth++;
  }
  const head = words.slice(0, depth).join(' ');
  const subs = [...new Set(fit.map((r) => nameWords(r)[depth]).filter((w) => w !== undefined))].join(', ');
  const bad = words[depth] === undefined ? `${head} needs a form` : `${head} has no form '${words[depth]}'`;
  return new CommandError(`${bad}; example: ${fit[0]!.example}; forms: ${subs}`);
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a typo. */
function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
