import { describe, expect, test } from 'bun:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXCLUDED_LOCK, EXCLUDED_UNDEFINED_ENCODING } from '../../core/cpu/singlestep-tables.ts';
import { EXCEPTION_DIFFERENCES, EXCLUDED_FORMS, SingleStepRunner } from '../../core/index.ts';
import { runSingleStepFiles } from '../../scripts/commands/conformance.ts';

// The SingleStepTests 80286 sample (MIT, see its LICENSE), kept in the repo so a clone anywhere tests it.
const DIR = join(import.meta.dir, '../testdata/singlestep-80286');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.jsonl.gz'))
  .map((f) => join(DIR, f));

describe('SingleStepTests 80286 real-mode sample', () => {
  const s = runSingleStepFiles(files);

  test.each(['compiled', 'generic'] as const)(
    'the %s execution path passes exactly the same cases',
    (path) => {
      const other = runSingleStepFiles(files, { path });
      expect(other.passed).toBe(s.passed);
      expect(other.failed).toBe(0);
      expect(other.files.flatMap((f) => f.failures)).toEqual([]);
    },
  );

  test('the whole sample is there (325 files, 29,460 cases)', () => {
    expect(files.length).toBe(325);
    expect(s.passed + s.failed + s.excluded).toBe(29460);
  });

  test('at least 99% of the compared cases pass', () => {
    expect(s.passed / (s.passed + s.failed)).toBeGreaterThanOrEqual(0.99);
    expect(s.failed).toBe(0);
  });

  test('every exclusion comes from the exclusion tables, and they exclude under 4% of the sample', () => {
    const known = new Set<string>([
      ...Object.values(EXCLUDED_FORMS),
      ...EXCEPTION_DIFFERENCES.map((d) => d.reason),
      EXCLUDED_LOCK,
      EXCLUDED_UNDEFINED_ENCODING,
    ]);
    for (const reason of s.exclusions.keys()) expect(known.has(reason)).toBe(true);
    expect(s.excluded / 29460).toBeLessThan(0.04);
  });

  test('an excluded form is never run', () => {
    const runner = new SingleStepRunner();
    // fadd st0, st1 (D8 C1): the x87 escape is in EXCLUDED_FORMS.
    const outcome = runner.run({
      idx: 0,
      name: 'fadd st0,st1',
      bytes: [0xd8, 0xc1, 0xf4],
      hash: '',
      initial: {
        regs: {
          ax: 0,
          bx: 0,
          cx: 0,
          dx: 0,
          cs: 0,
          ss: 0,
          ds: 0,
          es: 0,
          sp: 0,
          bp: 0,
          si: 0,
          di: 0,
          ip: 0,
          flags: 2,
        },
        ram: [],
      },
      final: { regs: {}, ram: [] },
    });
    expect(outcome).toEqual({ kind: 'excluded', form: 'D8', reason: EXCLUDED_FORMS.D8! });
  });

  test('a wrong expectation fails: the runner compares for real', () => {
    const runner = new SingleStepRunner();
    // inc ax (40), then hlt: AX 1 -> 2, but the expectation says 3.
    const outcome = runner.run({
      idx: 0,
      name: 'inc ax',
      bytes: [0x40, 0xf4],
      hash: '',
      initial: {
        regs: {
          ax: 1,
          bx: 0,
          cx: 0,
          dx: 0,
          cs: 0x100,
          ss: 0,
          ds: 0,
          es: 0,
          sp: 0x100,
          bp: 0,
          si: 0,
          di: 0,
          ip: 0,
          flags: 2,
        },
        ram: [
          [0x1000, 0x40],
          [0x1001, 0xf4],
        ],
      },
      final: { regs: { ax: 3, ip: 2 }, ram: [] },
    });
    expect(outcome).toEqual({ kind: 'fail', diffs: ['ax = 0x2, want 0x3'] });
  });
});
