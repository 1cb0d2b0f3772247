import { describe, expect, test } from 'bun:test';
import {
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

describe('console', () => {
  test('appends, scrolls back, and follows new output again', () => {
    let c = consoleAppend(emptyConsole, 'a\nb\nc\nd\ne');
    expect(consoleView(c, 2)).toEqual(['d', 'e']);
    c = consoleScroll(c, 2, 2);
    expect(consoleView(c, 2)).toEqual(['b', 'c']);
    c = consoleScroll(c, 10, 2);
    expect(consoleView(c, 2)).toEqual(['a', 'b']);
    c = consoleAppend(c, 'f');
    expect(consoleView(c, 2)).toEqual(['e', 'f']);
  });
});
