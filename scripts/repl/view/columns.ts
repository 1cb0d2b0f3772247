/**
 * Completion candidates laid out in columns across `width`, in their order down the rows as readline
 * prints them, so a long list (every `$r` register) shows whole instead of on one cut line.
 */
export function inColumns(items: readonly string[], width: number): string[] {
  if (items.length === 0) return [];
  const cell = Math.max(...items.map((i) => i.length)) + 2;
  const perRow = Math.max(1, Math.floor((width + 2) / cell));
  const rows = Math.ceil(items.length / perRow);
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const row: string[] = [];
    for (let c = 0; c < perRow; c++) {
      const item = items[c * rows + r];
      if (item !== undefined) row.push(item.padEnd(cell));
    }
    out.push(row.join('').trimEnd());
  }
  return out;
}
