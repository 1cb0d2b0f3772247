/**
 * What an empty Enter runs again after a command, as gdb does: `step` and `continue` repeat as typed;
 * `x/4xw ADDR` repeats without its address, so it goes on after what it showed (gdb's dont_repeat
 * list is everything else).
 */
const REPEATS: Readonly<Record<string, 'as-typed' | 'go-on'>> = {
  step: 'as-typed',
  continue: 'as-typed',
  x: 'go-on',
  xp: 'go-on',
};

/** The line an empty Enter runs after `words` (tokenized, naming the row `rowName`), or null. */
export function repeatLineOf(rowName: string, words: readonly string[]): string | null {
  const how = REPEATS[rowName];
  if (how === undefined) return null;
  if (how === 'as-typed') return words.join(' ');
  const format = words[1]?.startsWith('/') ? words[1] : '';
  return `${words[0]}${format}`;
}
