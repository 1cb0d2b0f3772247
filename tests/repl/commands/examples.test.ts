import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleOf } from '../../../scripts/repl/commands/plugins.ts';
import { execute } from '../../../scripts/repl/execute.ts';
import { commandTable } from '../../../scripts/repl/table.ts';
import { newSession } from '../helpers.ts';

/** State an example needs first (a breakpoint to delete, a file to load); run before it on the same session. */
const SETUP: Readonly<Record<string, readonly string[]>> = {
  delete: ['break 0x7c00'],
  restore: ['snapshot before-sipi'],
  load: ['dump 0x7c00 512 blob.bin'],
  'ghcb exit': ['ghcb sw_exit_code = 0x72'],
  'plugin unload': ['plugin load mmio'],
  assert: ['set u32 0x1000 = 0xdeadbeef'],
};

const repo = process.cwd();
let dir = '';
beforeAll(() => {
  // Examples write files (dump, save-log): they land in a scratch directory that sees the scenarios.
  dir = mkdtempSync(join(tmpdir(), 'sevlab-examples-'));
  symlinkSync(join(repo, 'scenarios'), join(dir, 'scenarios'));
  process.chdir(dir);
});
afterAll(() => {
  process.chdir(repo);
  rmSync(dir, { recursive: true, force: true });
});

describe('every built-in example runs on the default session', () => {
  for (const r of commandTable(newSession())) {
    test(`${r.name}: ${r.example}`, async () => {
      const s = newSession();
      for (const line of [...(SETUP[r.name] ?? []), r.example]) {
        const out = await execute(s, line);
        expect({ line, kind: out.kind, text: out.kind === 'error' ? out.message : '' }).toEqual({
          line,
          kind: out.kind === 'quit' ? 'quit' : 'ok',
          text: '',
        });
      }
    });
  }
});

test('vmgexit mmio-read example reads a device (the xAPIC version register)', async () => {
  const out = await execute(newSession(), 'vmgexit mmio-read 0xfee00030 4');
  expect(out).toEqual({
    kind: 'ok',
    text: 'SVM_VMGEXIT_MMIO_READ on cpu0: ES_OK\nok (sw_exit_info_1=0x0 sw_exit_info_2=0x0)\ndata: 14 00 05 00  (value 0x50014)',
  });
});

describe('exampleOf picks a form a person can type', () => {
  test('first concrete alternative of a one-line usage', () => {
    expect(exampleOf({ name: 'cpu', usage: 'cpu offline 2 | cpu online 2' })).toBe('cpu offline 2');
    expect(exampleOf({ name: 'boot', usage: 'boot a | boot b | boot path/to/kernel.elf' })).toBe('boot a');
    expect(exampleOf({ name: 'blob', usage: 'blob load path/to/blob.bin | blob show' })).toBe('blob show');
    expect(
      exampleOf({ name: 'kexec', usage: 'kexec load a|b|FILE [--force] | kexec exec | kexec status' }),
    ).toBe('kexec exec');
  });
  test('an Example: marker wins', () => {
    expect(exampleOf({ name: 'kdump', usage: 'kdump load | kdump status   example: kdump load' })).toBe(
      'kdump load',
    );
  });
  test('a usage with only placeholders falls back to its last line', () => {
    expect(exampleOf({ name: 'vmcore', usage: 'vmcore write PATH' })).toBe('vmcore write PATH');
  });
});
