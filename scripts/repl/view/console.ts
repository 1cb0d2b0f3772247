import { hardWrap } from './wrap.ts';

/** The console under the panes: every command and its output, scrollable. */
export interface ConsoleState {
  lines: readonly string[];
  /** Screen rows scrolled back from the newest (0 = following the output). */
  scroll: number;
}

/** One screen row: a piece of a line (errors stay red when they wrap) or a scroll marker. */
export interface ConsoleRow {
  text: string;
  tone: 'plain' | 'error' | 'marker';
}

export const CONSOLE_LIMIT = 5000;
export const emptyConsole: ConsoleState = { lines: [], scroll: 0 };

/** Appends text (several lines at once); new output brings the view back to the newest line. */
export function consoleAppend(s: ConsoleState, text: string): ConsoleState {
  const lines = [...s.lines, ...text.split('\n')];
  return { lines: lines.length > CONSOLE_LIMIT ? lines.slice(-CONSOLE_LIMIT) : lines, scroll: 0 };
}

/** Every line wrapped at `width`: a long error keeps its example on the next row instead of losing it. */
function consoleRows(s: ConsoleState, width: number): ConsoleRow[] {
  return s.lines.flatMap((line) => {
    const tone = line.startsWith('error: ') ? 'error' : 'plain';
    return hardWrap(line, width).map((text) => ({ text, tone }));
  });
}

export function consoleScroll(s: ConsoleState, delta: number, height: number, width: number): ConsoleState {
  const total = consoleRows(s, width).length;
  // Scrolled back, the last row is the `newer lines` marker: the top is reached one row further.
  const max = total <= height ? 0 : total - Math.max(1, height - 1);
  return { ...s, scroll: Math.max(0, Math.min(max, s.scroll + delta)) };
}

/**
 * The `height` rows on screen. When output lies above them (a `help` taller than the console), the
 * first row says how much and how to reach it; when newer output lies below, the last row says so.
 */
export function consoleView(s: ConsoleState, height: number, width: number): ConsoleRow[] {
  const rows = consoleRows(s, width);
  const end = rows.length - s.scroll;
  if (height < 2) return rows.slice(Math.max(0, end - height), end);
  const below = s.scroll > 0 ? [marker(`↓ ${s.scroll} newer lines (PgDn)`)] : [];
  const room = height - below.length;
  if (end <= room) return [...rows.slice(0, end), ...below];
  const start = end - (room - 1);
  return [marker(`↑ ${start} more lines (PgUp)`), ...rows.slice(start, end), ...below];
}

const marker = (text: string): ConsoleRow => ({ text, tone: 'marker' });
