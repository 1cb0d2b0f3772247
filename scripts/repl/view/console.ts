/** The console under the panes: every command and its output, scrollable. */
export interface ConsoleState {
  lines: readonly string[];
  /** Lines scrolled back from the newest (0 = following the output). */
  scroll: number;
}

export const CONSOLE_LIMIT = 5000;
export const emptyConsole: ConsoleState = { lines: [], scroll: 0 };

/** Appends text (several lines at once); new output brings the view back to the newest line. */
export function consoleAppend(s: ConsoleState, text: string): ConsoleState {
  const lines = [...s.lines, ...text.split('\n')];
  return { lines: lines.length > CONSOLE_LIMIT ? lines.slice(-CONSOLE_LIMIT) : lines, scroll: 0 };
}

export function consoleScroll(s: ConsoleState, delta: number, height: number): ConsoleState {
  const max = Math.max(0, s.lines.length - height);
  return { ...s, scroll: Math.max(0, Math.min(max, s.scroll + delta)) };
}

/** The `height` lines on screen. */
export function consoleView(s: ConsoleState, height: number): string[] {
  const end = s.lines.length - s.scroll;
  return s.lines.slice(Math.max(0, end - height), end);
}
