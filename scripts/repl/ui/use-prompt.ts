import { useInput } from 'ink';
import { useRef, useState } from 'react';
import { type HistoryState, historyDown, historyPush, historyState, historyUp } from '../history.ts';
import { keyActions, type PromptAction } from '../keys.ts';
import { editLine, emptyLine, type LineState, lineOf } from '../line-editor.ts';

export interface PromptHandlers {
  onSubmit(line: string): void;
  /** Tab: returns the completed line. */
  onComplete(line: string): string;
  onScroll(pages: number): void;
  onInterrupt(line: string): void;
  onEof(): void;
}

/** The prompt's keyboard: Ink's useInput over the pure keyAction / editLine / history functions. */
export function usePrompt(history: readonly string[], handlers: PromptHandlers): LineState {
  const [line, setLine] = useState<LineState>(emptyLine);
  const state = useRef<{ line: LineState; history: HistoryState }>({
    line: emptyLine,
    history: historyState(history),
  });
  const set = (next: LineState) => {
    state.current.line = next;
    setLine(next);
  };
  const act = (action: PromptAction) => {
    const s = state.current;
    switch (action.kind) {
      case 'edit':
        set(editLine(s.line, action.key));
        return;
      case 'history-up':
      case 'history-down': {
        const r = (action.kind === 'history-up' ? historyUp : historyDown)(s.history, s.line.text);
        s.history = r.state;
        set(lineOf(r.line));
        return;
      }
      case 'complete':
        set(lineOf(handlers.onComplete(s.line.text)));
        return;
      case 'submit': {
        // Why: completion leaves a trailing space; history and the log keep the command as meant.
        const text = s.line.text.trimEnd();
        s.history = historyPush(s.history, text);
        handlers.onSubmit(text);
        set(emptyLine);
        return;
      }
      case 'scroll':
        handlers.onScroll(action.pages);
        return;
      case 'interrupt':
        handlers.onInterrupt(s.line.text);
        set(emptyLine);
        return;
      case 'eof':
        if (s.line.text === '') handlers.onEof();
        else set(editLine(s.line, { kind: 'delete' }));
        return;
      default:
        return;
    }
  };
  useInput((input, key) => {
    for (const action of keyActions(input, key)) act(action);
  });
  return line;
}
