import type { EditKey } from './line-editor.ts';

/** The key fields the prompt looks at (a subset of Ink's `Key`). */
export interface KeyInfo {
  upArrow: boolean;
  downArrow: boolean;
  leftArrow: boolean;
  rightArrow: boolean;
  pageUp: boolean;
  pageDown: boolean;
  home: boolean;
  end: boolean;
  return: boolean;
  tab: boolean;
  backspace: boolean;
  delete: boolean;
  ctrl: boolean;
  meta: boolean;
  escape: boolean;
}

/** What a key press means to the prompt: a closed set, decided without React. */
export type PromptAction =
  | { kind: 'edit'; key: EditKey }
  | { kind: 'history-up' }
  | { kind: 'history-down' }
  | { kind: 'complete' }
  | { kind: 'submit' }
  | { kind: 'scroll'; pages: number }
  | { kind: 'interrupt' }
  | { kind: 'eof' }
  | { kind: 'none' };

const CTRL: Readonly<Record<string, PromptAction>> = {
  a: { kind: 'edit', key: { kind: 'home' } },
  e: { kind: 'edit', key: { kind: 'end' } },
  b: { kind: 'edit', key: { kind: 'left' } },
  f: { kind: 'edit', key: { kind: 'right' } },
  k: { kind: 'edit', key: { kind: 'kill-line' } },
  u: { kind: 'edit', key: { kind: 'kill-to-start' } },
  w: { kind: 'edit', key: { kind: 'kill-word' } },
  h: { kind: 'edit', key: { kind: 'backspace' } },
  p: { kind: 'history-up' },
  n: { kind: 'history-down' },
  c: { kind: 'interrupt' },
  d: { kind: 'eof' },
};

/**
 * Input that arrived in one chunk (a paste, or keys typed faster than they are read): text, Enter and
 * Tab in order, so `x/4xw 0x1000<Enter>` runs the command as if typed key by key.
 */
function chunk(input: string): PromptAction[] {
  const out: PromptAction[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') out.push({ kind: 'edit', key: { kind: 'insert', text } });
    text = '';
  };
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    const code = ch.charCodeAt(0);
    if (code >= 0x20 && code !== 0x7f) {
      text += ch;
      continue;
    }
    flush();
    if (ch === '\t') out.push({ kind: 'complete' });
    else if (ch === '\r' || ch === '\n') {
      if (ch === '\n' && input[i - 1] === '\r') continue;
      out.push({ kind: 'submit' });
    } else if (code === 0x7f || code === 0x08) out.push({ kind: 'edit', key: { kind: 'backspace' } });
    else if (code >= 1 && code <= 26) {
      // Ctrl+letter arrives as the letter's code minus 0x60 (Ctrl+U is 0x15).
      const a = CTRL[String.fromCharCode(code + 0x60)];
      if (a) out.push(a);
    }
  }
  flush();
  return out;
}

/** readline's bindings (emacs mode) plus PgUp/PgDn for the console; a chunk gives several actions. */
export function keyActions(input: string, key: KeyInfo): PromptAction[] {
  // Escape sequences (arrows, PgUp) are Ink's to parse; only plain text with control keys is split here.
  if (
    input.length > 1 &&
    !key.meta &&
    !input.includes('\u001b') &&
    Array.from(input).some((ch) => ch < ' ' || ch === '\u007f')
  )
    return chunk(input);
  return [keyAction(input, key)];
}

/** One key press. */
export function keyAction(input: string, key: KeyInfo): PromptAction {
  if (key.return) return { kind: 'submit' };
  if (key.tab) return { kind: 'complete' };
  if (key.upArrow) return { kind: 'history-up' };
  if (key.downArrow) return { kind: 'history-down' };
  if (key.pageUp) return { kind: 'scroll', pages: 1 };
  if (key.pageDown) return { kind: 'scroll', pages: -1 };
  if (key.leftArrow) return { kind: 'edit', key: { kind: 'left' } };
  if (key.rightArrow) return { kind: 'edit', key: { kind: 'right' } };
  if (key.home) return { kind: 'edit', key: { kind: 'home' } };
  if (key.end) return { kind: 'edit', key: { kind: 'end' } };
  // Why: terminals send DEL (0x7f) for the Backspace key; Ink reports it as `delete`.
  if (key.backspace || key.delete) return { kind: 'edit', key: { kind: 'backspace' } };
  if (key.ctrl) return CTRL[input.toLowerCase()] ?? { kind: 'none' };
  if (key.escape || key.meta || input === '') return { kind: 'none' };
  return { kind: 'edit', key: { kind: 'insert', text: input } };
}
