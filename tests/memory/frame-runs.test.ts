import { describe, expect, test } from 'bun:test';
import { FrameRuns } from '../../core/memory/frame-runs.ts';

type Op = [start: number, end: number, value: string | undefined];

describe('FrameRuns', () => {
  test.each<[string, Op[], [number, number, string][]]>([
    ['one run', [[2, 5, 'a']], [[2, 5, 'a']]],
    [
      'a run inside another splits it',
      [
        [0, 10, 'a'],
        [4, 6, 'b'],
      ],
      [
        [0, 4, 'a'],
        [4, 6, 'b'],
        [6, 10, 'a'],
      ],
    ],
    [
      'clearing the middle leaves both ends',
      [
        [0, 10, 'a'],
        [3, 7, undefined],
      ],
      [
        [0, 3, 'a'],
        [7, 10, 'a'],
      ],
    ],
    [
      'adjacent runs with the same value merge',
      [
        [0, 4, 'a'],
        [8, 12, 'a'],
        [4, 8, 'a'],
      ],
      [[0, 12, 'a']],
    ],
    [
      'an overwrite covering several runs replaces them',
      [
        [0, 2, 'a'],
        [3, 5, 'b'],
        [6, 8, 'c'],
        [1, 7, 'd'],
      ],
      [
        [0, 1, 'a'],
        [1, 7, 'd'],
        [7, 8, 'c'],
      ],
    ],
  ])('%s', (_name, ops, expected) => {
    const runs = new FrameRuns<string>();
    for (const [start, end, value] of ops) runs.set(start, end, value);
    expect(runs.entries().map((r) => [r.start, r.end, r.value])).toEqual(expected);
  });

  test('get finds the value of the run holding a frame, undefined between runs', () => {
    const runs = new FrameRuns<boolean>();
    runs.set(10, 20, true);
    runs.set(2 ** 40, 2 ** 40 + 1, false);
    expect([9, 10, 19, 20, 2 ** 40, 2 ** 40 + 1].map((f) => runs.get(f))).toEqual([
      undefined,
      true,
      true,
      undefined,
      false,
      undefined,
    ]);
  });
});
