/** Sizes of every pane for a terminal of `columns` x `rows`; the UI is drawn from these numbers. */
export interface Layout {
  columns: number;
  /** Lines the UI uses (the terminal's last line stays free, so nothing scrolls). */
  height: number;
  /** Height of the vCPU / registers / GHCB row, title included. */
  top: number;
  vcpuWidth: number;
  regsWidth: number;
  ghcbWidth: number;
  /** Height of the memory / event log row, title included. */
  middle: number;
  memoryWidth: number;
  logWidth: number;
  /** Console lines above the prompt. */
  console: number;
}

export const MIN_COLUMNS = 40;
export const MIN_ROWS = 12;

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/**
 * Fits the panes to the terminal: 80x24 shows eight vCPUs, the first registers and GHCB fields, six
 * lines of memory and log, and four console lines; wider and taller terminals give the extra space
 * to the registers, the log and the console.
 */
export function layout(columns: number, rows: number): Layout {
  const cols = Math.max(columns, MIN_COLUMNS);
  const height = Math.max(rows, MIN_ROWS) - 1;
  const avail = height - 2; // header, prompt
  const console = Math.max(3, Math.floor(avail * 0.22));
  const rest = avail - console;
  const top = clamp(Math.floor(rest * 0.55), 4, 14);
  const middle = rest - top;
  const vcpuWidth = clamp(Math.floor(cols * 0.4), 20, 44);
  const ghcbWidth = clamp(Math.floor(cols * 0.3), 14, 40);
  const regsWidth = cols - vcpuWidth - ghcbWidth;
  const memoryWidth = clamp(Math.floor(cols * 0.42), 20, 80);
  return {
    columns: cols,
    height,
    top,
    vcpuWidth,
    regsWidth,
    ghcbWidth,
    middle,
    memoryWidth,
    logWidth: cols - memoryWidth,
    console,
  };
}

/** First row shown of a list of `total` rows in `height` lines, keeping `selected` in view. */
export function windowStart(total: number, height: number, selected: number): number {
  if (total <= height) return 0;
  return clamp(selected - Math.floor(height / 2), 0, total - height);
}
