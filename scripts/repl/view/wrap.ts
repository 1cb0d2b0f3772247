/** `line` cut into pieces of at most `width` characters, so a long line continues below instead of being cut. */
export function hardWrap(line: string, width: number): string[] {
  if (width < 1 || line.length <= width) return [line];
  const out: string[] = [];
  for (let i = 0; i < line.length; i += width) out.push(line.slice(i, i + width));
  return out;
}
