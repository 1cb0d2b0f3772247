/**
 * `bun scripts/bench/interpreter.ts [--outer N]`: the interpreter's speed next to QEMU TCG on the same
 * boot sector (scripts/bench/boot-sector/checksum.S: a checksum loop, about 10^9 instructions with
 * the default OUTER of 34880). Prints instructions, seconds and MIPS for `sevlab exec` (run in this
 * process) and for qemu-system-x86_64 -accel tcg, and their ratio. Both must report the same
 * isa-debug-exit status (the checksum), or the run is wrong and the script fails.
 *
 * QEMU does not count instructions: its MIPS use the interpreter's count for the same binary, over
 * QEMU's wall time minus the wall time of the same boot sector with OUTER = 1 (start-up and BIOS).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExec } from '../commands/exec.ts';

const HERE = join(import.meta.dir, 'boot-sector');
const args = process.argv.slice(2);
const outerAt = args.indexOf('--outer');
const OUTER = outerAt >= 0 ? Number(args[outerAt + 1]) : 34880;

function build(dir: string, outer: number): string {
  const out = join(dir, `checksum-${outer}.bin`);
  const r = spawnSync('sh', [join(HERE, 'build.sh'), out], {
    env: { ...process.env, OUTER: String(outer) },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`build.sh failed: ${r.stderr}`);
  return out;
}

function qemu(image: string): { status: number; seconds: number } | null {
  const t0 = performance.now();
  const r = spawnSync(
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
      `format=raw,file=${image}`,
    ],
    { encoding: 'utf8' },
  );
  if (r.error) return null;
  return { status: r.status ?? -1, seconds: (performance.now() - t0) / 1000 };
}

const dir = mkdtempSync(join(tmpdir(), 'sevlab-bench-'));
try {
  const image = build(dir, OUTER);
  const empty = build(dir, 1);
  const bytes = new Uint8Array(readFileSync(image));
  // Warm-up on the short image so the JIT has seen the hot paths, then the measured run.
  runExec({
    loads: [{ gpa: 0x7c00, bytes: new Uint8Array(readFileSync(empty)) }],
    entry: { cs: 0, ip: 0x7c00 },
    maxInstructions: 1e10,
    memoryBytes: 0x1000000,
  });
  const ours = runExec({
    loads: [{ gpa: 0x7c00, bytes }],
    entry: { cs: 0, ip: 0x7c00 },
    maxInstructions: 1e10,
    memoryBytes: 0x1000000,
  });
  if (ours.exit.kind !== 'debug-exit')
    throw new Error(`sevlab exec did not reach the debug exit: ${JSON.stringify(ours.exit)}`);
  console.log(
    `sevlab exec: ${ours.instructions} instructions in ${ours.seconds.toFixed(2)} s = ${ours.mips.toFixed(1)} MIPS (exit status ${ours.exit.status})`,
  );
  const base = qemu(empty);
  const q = qemu(image);
  if (base === null || q === null) {
    console.log('qemu-system-x86_64 not found: apt-get install -y qemu-system-x86 for the comparison');
  } else {
    const seconds = Math.max(q.seconds - base.seconds, 1e-3);
    const qmips = ours.instructions / seconds / 1e6;
    console.log(
      `qemu tcg:    ${seconds.toFixed(2)} s after ${base.seconds.toFixed(2)} s start-up = ${qmips.toFixed(1)} MIPS (exit status ${q.status})`,
    );
    console.log(`ratio:       sevlab/qemu = ${(ours.mips / qmips).toFixed(3)}`);
    if (q.status !== ours.exit.status) {
      console.error(`exit status differs: qemu ${q.status}, sevlab ${ours.exit.status}`);
      process.exitCode = 1;
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
