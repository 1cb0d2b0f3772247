/**
 * `sevlab decode` (the CLI, run as a process) classifies MMIO instructions the way the reference table
 * (Linux insn_decode_mmio's cases, arch/x86/lib/insn-eval.c) says, on every instruction objdump
 * disassembles from the MMIO test corpus: the differential harness (every class, size, prefix and
 * addressing form), the gcc-built driver code and the decompressor's 64-bit code. The table is applied
 * here to objdump's Intel text.
 */
import { beforeAll, describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DECOMPRESSOR_ELF, DECOMPRESSOR_SYMBOLS } from '../../../plugins/mmio/index.ts';
import { objdump } from '../../cpu/decoder/objdump.ts';
import { GCC_FLAGS } from './differential/build.ts';

const ROOT = resolve(import.meta.dir, '../../..');
const HERE = join(import.meta.dir, 'differential');
const SIZE: Record<string, number> = { byte: 1, word: 2, dword: 4, qword: 8 };
const PREFIXES = /^(?:(?:rep|repz|repnz|data16|addr32|[c-gs]s|rex\.?[wrxb]*)\s+)+/;

type Class = { class: string; bytes: number } | null;

/** The reference table on objdump's Intel text. */
function table(text: string): Class {
  const t = text
    .toLowerCase()
    .replace(/\s+#.*$/, '')
    .replace(PREFIXES, '');
  const space = t.indexOf(' ');
  const mnemonic = space < 0 ? t : t.slice(0, space);
  const [dst, src] = space < 0 ? [] : t.slice(space).trim().split(',');
  const mem = (op: string | undefined) =>
    SIZE[/^(byte|word|dword|qword) ptr /.exec(op ?? '')?.[1] ?? ''] ?? 0;
  if (mnemonic === 'mov') {
    if (/^[c-gs]s$/.test(dst ?? '') || /^[c-gs]s$/.test(src ?? '')) return null;
    if (mem(dst))
      return { class: /^(0x[0-9a-f]+|\d+)$/.test(src ?? '') ? 'write-imm' : 'write', bytes: mem(dst) };
    return mem(src) ? { class: 'read', bytes: mem(src) } : null;
  }
  if (mnemonic === 'movzx') return mem(src) ? { class: 'read-zero-extend', bytes: mem(src) } : null;
  if (mnemonic === 'movsx') return mem(src) ? { class: 'read-sign-extend', bytes: mem(src) } : null;
  if (mnemonic === 'movs') return { class: 'movs', bytes: mem(dst) };
  if (mnemonic === 'clflush') return mem(dst) ? { class: 'ignore', bytes: 0 } : null;
  return null;
}

function tool(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Raw 64-bit code: the .text of each object, and the decompressor from startup_64 to its strings. */
function corpus(): string {
  const work = mkdtempSync(join(tmpdir(), 'sevlab-mmio-decode-'));
  tool('as', ['--64', '-o', join(work, 'harness.o'), 'harness.S'], HERE);
  tool('gcc', [...GCC_FLAGS, '-c', 'driver.c', '-o', join(work, 'driver.o')], HERE);
  const parts = ['harness.o', 'driver.o'].map((o) => {
    tool('objcopy', ['-O', 'binary', '-j', '.text', o, `${o}.bin`], work);
    return readFileSync(join(work, `${o}.bin`));
  });
  const elf = readFileSync(DECOMPRESSOR_ELF);
  // The image's one PT_LOAD segment starts at file offset 0x1000 (decompressor.lds, max-page-size).
  const at = (gpa: number) => 0x1000 + gpa - DECOMPRESSOR_SYMBOLS.startup_16;
  parts.push(elf.subarray(at(DECOMPRESSOR_SYMBOLS.startup_64), at(DECOMPRESSOR_SYMBOLS.msg_decompressing)));
  const raw = join(work, 'corpus.bin');
  writeFileSync(raw, Buffer.concat(parts.map((p) => Buffer.concat([p, Buffer.alloc(16, 0x90)]))));
  return raw;
}

interface DecodeLine {
  offset: number;
  length: number;
  text?: string;
  mmio?: Class;
  error?: string;
}

describe('sevlab decode --mode 64: MMIO classes against the reference table on objdump output', () => {
  let raw: string;
  let lines: Map<number, DecodeLine>;
  beforeAll(() => {
    raw = corpus();
    const out = tool(process.execPath, ['scripts/cli.ts', 'decode', '--mode', '64', '--file', raw], ROOT);
    lines = new Map(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as DecodeLine)
        .map((l) => [l.offset, l]),
    );
  });

  test('every instruction objdump prints has the same length and the table class', () => {
    const { insns } = objdump(['-D', '-b', 'binary', '-m', 'i386:x86-64', raw]);
    const mismatches: string[] = [];
    let classified = 0;
    for (const i of insns) {
      const ours = lines.get(i.offset);
      const want = table(i.text);
      if (want) classified++;
      if (!ours || ours.length !== i.length || JSON.stringify(ours.mmio) !== JSON.stringify(want))
        mismatches.push(
          `+${i.offset.toString(16)} ${i.text}: decode ${JSON.stringify(ours)}, table ${JSON.stringify(want)}`,
        );
    }
    expect(mismatches).toEqual([]);
    expect(insns.length).toBeGreaterThan(400);
    expect(classified).toBeGreaterThan(140);
  });

  test('each class appears in the corpus at each of its sizes', () => {
    const seen = new Set(
      [...lines.values()].filter((l) => l.mmio).map((l) => `${l.mmio!.class}/${l.mmio!.bytes}`),
    );
    expect([...seen].sort()).toEqual(
      [
        'ignore/0',
        'movs/1',
        'movs/2',
        'movs/4',
        'movs/8',
        'read-sign-extend/1',
        'read-sign-extend/2',
        'read-zero-extend/1',
        'read-zero-extend/2',
        'read/1',
        'read/2',
        'read/4',
        'read/8',
        'write-imm/1',
        'write-imm/2',
        'write-imm/4',
        'write-imm/8',
        'write/1',
        'write/2',
        'write/4',
        'write/8',
      ].sort(),
    );
  });
});
