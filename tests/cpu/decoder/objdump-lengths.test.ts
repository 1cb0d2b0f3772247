/**
 * Outside oracle: GNU objdump. Every instruction objdump decodes in real binaries (64-bit), in slices of
 * a .text decoded as 32-bit and 16-bit code, and in seeded pseudo-random bytes in all three modes, must
 * get the same length from our decoder. Records objdump itself gives up on are skipped; objdumpGaveUp
 * in objdump.ts says which and why.
 */
import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareLengths, objdump } from './objdump.ts';

const dir = mkdtempSync(join(tmpdir(), 'sevlab-decoder-'));

function check(args: string[], mode: 16 | 32 | 64, minCompared: number) {
  const { insns, bytes } = objdump(args);
  const r = compareLengths(insns, bytes, mode);
  expect(r.mismatches.slice(0, 10)).toEqual([]);
  expect(r.compared).toBeGreaterThan(minCompared);
}

/** The .text of a 64-bit binary, as raw bytes in a file. */
function textOf(binary: string, maxBytes: number): string {
  const out = join(dir, `${binary.split('/').pop()}.text`);
  const r = spawnSync('objcopy', ['-O', 'binary', '--only-section=.text', binary, out]);
  if (r.status !== 0) throw new Error(`objcopy ${binary}: ${r.stderr}`);
  const slice = join(dir, `${binary.split('/').pop()}.slice`);
  writeFileSync(slice, readFileSync(out).subarray(0, maxBytes));
  return slice;
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure reproduces. */
function noise(seed: number, size: number): string {
  const b = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  const file = join(dir, `noise-${seed}.bin`);
  writeFileSync(file, b);
  return file;
}

const LIB = '/lib/x86_64-linux-gnu';

describe('instruction lengths agree with objdump', () => {
  // Integer code (git, qemu-img), AVX2/AVX-512 string functions (libc), AES-NI/SHA/AVX-512 and data
  // islands in .text (libcrypto), VIA PadLock (libgcrypt).
  for (const binary of [
    '/usr/bin/git',
    '/usr/bin/qemu-img',
    `${LIB}/libc.so.6`,
    `${LIB}/libcrypto.so.3`,
    `${LIB}/libgcrypt.so.20`,
  ]) {
    test(
      `64-bit: every instruction of ${binary} .text`,
      () => check(['-d', '-j', '.text', binary], 64, 100_000),
      20_000,
    );
  }

  test('32-bit: 256 KiB of libc .text decoded as 32-bit code', () => {
    check(['-D', '-b', 'binary', '-m', 'i386', textOf(`${LIB}/libc.so.6`, 256 * 1024)], 32, 50_000);
  });
  test('16-bit: 256 KiB of libc .text decoded as 16-bit code', () => {
    check(['-D', '-b', 'binary', '-m', 'i8086', textOf(`${LIB}/libc.so.6`, 256 * 1024)], 16, 50_000);
  });
  test('16-bit: 128 KiB of libm .text, as i386 with 16-bit data and addresses (-M addr16,data16)', () => {
    check(
      [
        '-D',
        '-b',
        'binary',
        '-m',
        'i386',
        '-M',
        'intel,addr16,data16',
        textOf(`${LIB}/libm.so.6`, 128 * 1024),
      ],
      16,
      20_000,
    );
  });
  for (const [mode, machine] of [
    [64, 'i386:x86-64'],
    [32, 'i386'],
    [16, 'i8086'],
  ] as const) {
    test(`${mode}-bit: 128 KiB of pseudo-random bytes`, () => {
      check(['-D', '-b', 'binary', '-m', machine, noise(0x5eb1ab + mode, 128 * 1024)], mode, 30_000);
    });
  }
});
