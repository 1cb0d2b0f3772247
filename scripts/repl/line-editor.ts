/** The prompt's line and cursor, edited by the keys readline users expect. */
export interface LineState {
  text: string;
  cursor: number;
}

export const emptyLine: LineState = { text: '', cursor: 0 };
export const lineOf = (text: string): LineState => ({ text, cursor: text.length });

/** Editing keys, named after readline's commands. */
export type EditKey =
  | { kind: 'insert'; text: string }
  | { kind: 'backspace' }
  | { kind: 'delete' }
  | { kind: 'left' }
  | { kind: 'right' }
  | { kind: 'home' }
  | { kind: 'end' }
  | { kind: 'kill-line' }
  | { kind: 'kill-to-start' }
  | { kind: 'kill-word' };

const EDITS: { [K in EditKey['kind']]: (s: LineState, k: Extract<EditKey, { kind: K }>) => LineState } = {
  insert: (s, k) => {
    // Why: a control character in the line would move the terminal's cursor when drawn.
    const clean = Array.from(k.text.replace(/[\r\n\t]/g, ' '))
      .filter((ch) => ch >= ' ' && ch !== '\u007f')
      .join('');
    return {
      text: s.text.slice(0, s.cursor) + clean + s.text.slice(s.cursor),
      cursor: s.cursor + clean.length,
    };
  },
  backspace: (s) =>
    s.cursor === 0
      ? s
      : { text: s.text.slice(0, s.cursor - 1) + s.text.slice(s.cursor), cursor: s.cursor - 1 },
  delete: (s) => ({ text: s.text.slice(0, s.cursor) + s.text.slice(s.cursor + 1), cursor: s.cursor }),
  left: (s) => ({ ...s, cursor: Math.max(0, s.cursor - 1) }),
  right: (s) => ({ ...s, cursor: Math.min(s.text.length, s.cursor + 1) }),
  home: (s) => ({ ...s, cursor: 0 }),
  end: (s) => ({ ...s, cursor: s.text.length }),
  'kill-line': (s) => ({ text: s.text.slice(0, s.cursor), cursor: s.cursor }),
  'kill-to-start': (s) => ({ text: s.text.slice(s.cursor), cursor: 0 }),
  'kill-word': (s) => {
    const before = s.text.slice(0, s.cursor).replace(/\S*\s*$/, '');
    return { text: before + s.text.slice(s.cursor), cursor: before.length };
  },
};

export function editLine(s: LineState, key: EditKey): LineState {
  return (EDITS[key.kind] as (s: LineState, k: EditKey) => LineState)(s, key);
}
