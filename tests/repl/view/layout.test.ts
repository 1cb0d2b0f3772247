import { describe, expect, test } from 'bun:test';
import {
  type ConsoleRow,
  consoleAppend,
  consoleScroll,
  consoleView,
  emptyConsole,
} from '../../../scripts/repl/view/console.ts';
import { layout, windowStart } from '../../../scripts/repl/view/layout.ts';

describe('layout', () => {
  test.each([
    [80, 24],
    [100, 30],
    [200, 60],
    [40, 12],
  ])('%dx%d fills the width and all but the last line', (cols, rows) => {
    const l = layout(cols, rows);
    expect(l.vcpuWidth + l.regsWidth + l.ghcbWidth).toBe(cols);
    expect(l.memoryWidth + l.logWidth).toBe(cols);
    expect(1 + l.top + l.middle + l.console + 1).toBe(rows - 1);
  });

  test('80x24 shows eight vCPU rows and four console lines', () => {
    expect(layout(80, 24)).toEqual({
      columns: 80,
      height: 23,
      top: 9,
      vcpuWidth: 32,
      regsWidth: 24,
      ghcbWidth: 24,
      middle: 8,
      memoryWidth: 33,
      logWidth: 47,
      console: 4,
    });
  });

  test.each([
    [4, 8, 3, 0],
    [4096, 8, 0, 0],
    [4096, 8, 2000, 1996],
    [4096, 8, 4095, 4088],
  ])('%d vCPUs in %d rows with %d selected start at %d', (total, h, sel, start) => {
    expect(windowStart(total, h, sel)).toBe(start);
  });
});

const texts = (rows: readonly ConsoleRow[]) => rows.map((r) => r.text);

describe('console', () => {
  test('appends, scrolls back, and follows new output again; markers say what is out of view', () => {
    let c = consoleAppend(emptyConsole, 'a\nb\nc\nd\ne');
    expect(texts(consoleView(c, 3, 80))).toEqual(['↑ 3 more lines (PgUp)', 'd', 'e']);
    c = consoleScroll(c, 1, 3, 80);
    expect(texts(consoleView(c, 3, 80))).toEqual(['↑ 3 more lines (PgUp)', 'd', '↓ 1 newer lines (PgDn)']);
    c = consoleScroll(c, 10, 3, 80);
    expect(texts(consoleView(c, 3, 80))).toEqual(['a', 'b', '↓ 3 newer lines (PgDn)']);
    c = consoleAppend(c, 'f');
    expect(texts(consoleView(c, 3, 80))).toEqual(['↑ 4 more lines (PgUp)', 'e', 'f']);
    expect(texts(consoleView(consoleAppend(emptyConsole, 'a\nb'), 3, 80))).toEqual(['a', 'b']);
  });

  test('a long line wraps at the width (an error keeps its example and its colour)', () => {
    const c = consoleAppend(emptyConsole, 'error: vmgexit has no form; example: vmgexit cpuid 1');
    expect(consoleView(c, 4, 20)).toEqual([
      { text: 'error: vmgexit has n', tone: 'error' },
      { text: 'o form; example: vmg', tone: 'error' },
      { text: 'exit cpuid 1', tone: 'error' },
    ]);
  });
});
