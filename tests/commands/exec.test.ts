import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execStatus, runExec } from '../../scripts/commands/exec.ts';

const ROOT = join(import.meta.dir, '../..');
const BUILD = join(ROOT, 'scripts/bench/boot-sector/build.sh');

function build(outer: number): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sevlab-exec-test-'));
  const file = join(dir, 'checksum.bin');
  const r = spawnSync('sh', [BUILD, file], {
    env: { ...process.env, OUTER: String(outer) },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return { file, dir };
}

/** The checksum of checksum.S computed in TypeScript: the expected isa-debug-exit status. */
function expectedStatus(outer: number): number {
  const buf = new Uint8Array(4096);
  let x = 0x1234;
  for (let k = 0; k < 2048; k++) {
    x = (x * 5 + 0x3b9d) & 0xffff;
    buf[2 * k] = x & 0xff;
    buf[2 * k + 1] = x >> 8;
  }
  let bx = 0;
  for (let o = 0; o < outer; o++) {
    for (const b of buf) {
      let bl = (bx & 0xff) + b;
      const carry = bl >> 8;
      bl &= 0xff;
      const bh = ((bx >> 8) + carry) & 0xff;
      bx = (bh << 8) | bl;
      bx = ((bx << 1) | (bx >> 15)) & 0xffff;
    }
  }
  return ((bx & 0x7f) << 1) | 1;
}

describe('sevlab exec', () => {
  const outer = 3;
  const { file, dir } = build(outer);
  const bytes = new Uint8Array(readFileSync(file));

  test('the boot sector ends at the debug exit with the checksum as status', () => {
    const r = runExec({
      loads: [{ gpa: 0x7c00, bytes }],
      entry: { cs: 0, ip: 0x7c00 },
      maxInstructions: 1e8,
      memoryBytes: 0x100000,
    });
    expect(r.exit).toEqual({ kind: 'debug-exit', status: expectedStatus(outer) });
    // 6 setup + 7 prologue, 6 per fill word, 2 per pass setup and 7 per byte, 2 per pass end, 3 to exit.
    expect(r.instructions).toBe(7 + 3 + 2048 * 6 + 2 + outer * (2 + 4096 * 7 + 2) + 3);
  });

  test('--json prints exit, instructions, seconds and mips', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'scripts/cli.ts'),
        'exec',
        '--mode',
        'real',
        '--load',
        `0x7c00=${file}`,
        '--entry',
        '0x0000:0x7c00',
        '--json',
      ],
      { encoding: 'utf8' },
    );
    // The process status is the debug-exit status, as QEMU's is (the QEMU test below).
    expect(r.status).toBe(expectedStatus(outer));
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['exit', 'instructions', 'seconds', 'mips']);
    expect(out.exit).toEqual({ kind: 'debug-exit', status: expectedStatus(outer) });
  });

  test('QEMU TCG running the same boot sector exits with the same status', () => {
    const q = spawnSync(
      'qemu-system-x86_64',
      [
        '-accel',
        'tcg',
        '-device',
        'isa-debug-exit,iobase=0xf4,iosize=0x04',
        '-display',
        'none',
        '-no-reboot',
        '-drive',
        `format=raw,file=${file}`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(q.error).toBeUndefined();
    expect(q.status).toBe(expectedStatus(outer));
  });

  test('exit status: (V << 1) | 1 in 8 bits at the debug exit, 0 at HLT, 1 at other stops', () => {
    expect(execStatus({ kind: 'debug-exit', status: (0x10 << 1) | 1 })).toBe(0x21);
    expect(execStatus({ kind: 'debug-exit', status: (0xff << 1) | 1 })).toBe(0xff);
    expect(execStatus({ kind: 'debug-exit', status: (0x80 << 1) | 1 })).toBe(1);
    expect(execStatus({ kind: 'hlt' })).toBe(0);
    expect(execStatus({ kind: 'limit' })).toBe(1);
    expect(execStatus({ kind: 'shutdown', reason: 'triple fault' })).toBe(1);
  });

  test('a boot sector writing 0x10 to port 0xF4 makes sevlab exit with status 0x21, without --json too', () => {
    // mov $0x10, %al; out %al, $0xf4; hlt
    const boot = join(dir, 'exit16.bin');
    writeFileSync(boot, Uint8Array.from([0xb0, 0x10, 0xe6, 0xf4, 0xf4]));
    for (const extra of [[], ['--json']]) {
      const r = spawnSync(
        process.execPath,
        [
          join(ROOT, 'scripts/cli.ts'),
          'exec',
          '--mode',
          'real',
          '--load',
          `0x7c00=${boot}`,
          '--entry',
          '0x0000:0x7c00',
          ...extra,
        ],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(0x21);
      expect(r.stdout).toContain('{"kind":"debug-exit","status":33}');
    }
  });

  test('--max-instructions ends the run with a limit', () => {
    const r = runExec({
      loads: [{ gpa: 0x7c00, bytes }],
      entry: { cs: 0, ip: 0x7c00 },
      maxInstructions: 1000,
      memoryBytes: 0x100000,
    });
    expect(r.exit).toEqual({ kind: 'limit' });
    expect(r.instructions).toBe(1000);
  });

  test('bad arguments are a usage error (exit status 2)', () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'scripts/cli.ts'), 'exec', '--mode', 'long', '--load', `0x7c00=${file}`],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("the one mode is 'real'");
    rmSync(dir, { recursive: true, force: true });
  });
});
