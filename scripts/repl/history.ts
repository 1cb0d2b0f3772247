import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const HISTORY_LIMIT = 1000;

/**
 * Prompt history with readline's up/down behaviour: `index` is the entry shown (entries.length = the
 * line being typed, kept in `draft` while browsing).
 */
export interface HistoryState {
  entries: readonly string[];
  index: number;
  draft: string;
}

export const historyState = (entries: readonly string[]): HistoryState => ({
  entries,
  index: entries.length,
  draft: '',
});

/** Up: the previous entry; the line being typed is kept as the draft. Returns the line to show. */
export function historyUp(h: HistoryState, current: string): { state: HistoryState; line: string } {
  if (h.index === 0) return { state: h, line: current };
  const draft = h.index === h.entries.length ? current : h.draft;
  const index = h.index - 1;
  return { state: { ...h, index, draft }, line: h.entries[index]! };
}

export function historyDown(h: HistoryState, current: string): { state: HistoryState; line: string } {
  if (h.index >= h.entries.length) return { state: h, line: current };
  const index = h.index + 1;
  return { state: { ...h, index }, line: index === h.entries.length ? h.draft : h.entries[index]! };
}

/** After Enter: the line is appended unless empty or the same as the last entry; browsing ends. */
export function historyPush(h: HistoryState, line: string): HistoryState {
  const keep = line.trim() !== '' && h.entries.at(-1) !== line;
  const entries = keep ? [...h.entries, line].slice(-HISTORY_LIMIT) : h.entries;
  return { entries, index: entries.length, draft: '' };
}

/** `--history FILE`, else $SEVLAB_HISTORY, else ~/.sevlab_history. */
export const historyFile = (option?: string): string =>
  option ?? process.env.SEVLAB_HISTORY ?? join(homedir(), '.sevlab_history');

/** The persisted history, one command a line; a missing or unreadable file is an empty history. */
export function readHistory(file: string): string[] {
  try {
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .slice(-HISTORY_LIMIT);
  } catch {
    return [];
  }
}

/** Appends one command; the file is trimmed back to the limit when it grows past twice that. */
export function appendHistory(file: string, line: string): void {
  try {
    appendFileSync(file, `${line}\n`);
    const all = readFileSync(file, 'utf8').split('\n');
    if (all.length > 2 * HISTORY_LIMIT)
      writeFileSync(
        file,
        `${all
          .filter((l) => l !== '')
          .slice(-HISTORY_LIMIT)
          .join('\n')}\n`,
      );
  } catch {
    // Why: history is a convenience; a read-only home must not stop the REPL.
  }
}
