import { CommandError } from '../../core/index.ts';

/**
 * Splits a command line into words: whitespace separates, single or double quotes keep spaces inside
 * a word (file names), and gdb's glued format (`x/4xw`) becomes two words (`x`, `/4xw`).
 */
export function tokenize(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | null = null;
  for (const ch of line) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      else word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== null) throw new CommandError(`unclosed ${quote} quote; example: load "my blob.bin" @ 0x1000`);
  if (inWord) words.push(word);
  const first = words[0];
  const slash = first?.indexOf('/') ?? -1;
  if (first !== undefined && slash > 0) words.splice(0, 1, first.slice(0, slash), first.slice(slash));
  return words;
}
