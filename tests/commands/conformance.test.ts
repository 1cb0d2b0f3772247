import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const CLI = join(import.meta.dir, '../../scripts/cli.ts');

function sevlab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'conformance', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const REGS = { ax: 1, bx: 2, cx: 3, dx: 4, cs: 0, ss: 0, ds: 0, es: 0, sp: 0x100, bp: 0, si: 0, di: 0 };
/** INC AX (40) followed by the HLT the sample places after every instruction. */
const GOOD = {
  idx: 0,
  name: 'inc ax',
  bytes: [0x40],
  initial: {
    regs: { ...REGS, ip: 0x1000, flags: 2 },
    ram: [
      [0x1000, 0x40],
      [0x1001, 0xf4],
    ],
  },
  final: { regs: { ax: 2, ip: 0x1002 }, ram: [] },
};

function file(lines: unknown[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sevlab-conformance-')), 'cases.jsonl.gz');
  writeFileSync(path, gzipSync(lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')));
  return path;
}

describe('sevlab conformance singlestep', () => {
  test('a well-formed case runs and passes', () => {
    const r = sevlab('singlestep', file([GOOD]));
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('1 passed, 0 failed');
  });

  const { bytes: _bytes, ...noBytes } = GOOD;
  const bad: [string, unknown, string][] = [
    ['lacking bytes', noBytes, "'bytes' is missing or not a non-empty array of bytes (0-255)"],
    [
      'lacking initial',
      { ...GOOD, initial: undefined },
      "'initial' is missing or not an object with regs and ram",
    ],
    [
      'with a register that is not a number',
      { ...GOOD, initial: { ...GOOD.initial, regs: { ...GOOD.initial.regs, sp: '0x100' } } },
      `'initial.regs.sp' is "0x100", not a 16-bit number`,
    ],
    [
      'with a RAM row that is not a pair',
      { ...GOOD, final: { ...GOOD.final, ram: [[5]] } },
      "'final.ram[0]' is [5], not an [address, byte] pair",
    ],
    ['that is an array', [1, 2], 'the line is not a JSON object'],
    ['that is not JSON', '{"idx": 1,', 'not JSON'],
  ];
  for (const [what, line, problem] of bad) {
    test(`a line ${what} stops the run with FILE:LINE: what is wrong, status 2`, () => {
      const path = file([GOOD, line]);
      const r = sevlab('singlestep', path);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines.length).toBe(1);
      expect(lines[0]!.startsWith(`sevlab conformance: ${path}:2: ${problem}`)).toBe(true);
    });
  }
});
