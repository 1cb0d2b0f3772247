import { describe, expect, test } from 'bun:test';
import { definePlugin } from '../../core/index.ts';
import { parseArgs, usageOf } from '../../scripts/repl/grammar.ts';
import { GROUPS } from '../../scripts/repl/row.ts';
import { commandTable, matchRow } from '../../scripts/repl/table.ts';
import { tokenize } from '../../scripts/repl/tokenize.ts';
import { fails, newSession, ok } from './helpers.ts';

describe('the command table', () => {
  const s = newSession();
  const table = commandTable(s);

  test('every row has a summary and an example that parses back to the same row', () => {
    for (const r of table) {
      if (r.name === 'scenario run') continue; // its example names a file; covered in session tests
      expect(r.summary.length).toBeGreaterThan(5);
      const { row, rest } = matchRow(table, tokenize(r.example));
      expect(row.name).toBe(r.name);
      expect(() => parseArgs(r.args, rest, s.exprContext())).not.toThrow();
    }
  });

  test('names are unique', () => {
    const names = table.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
  });

  test('the documented commands are all there', () => {
    const names = new Set(table.map((r) => r.name));
    for (const n of [
      'x',
      'xp',
      'set u8',
      'set u16',
      'set u32',
      'set u64',
      'wx',
      'load',
      'dump',
      'hv-view',
      'vcpu',
      'regs',
      'set',
      'step',
      'continue',
      'break',
      'delete',
      'until',
      'wrmsr',
      'rdmsr',
      'msr-proto sev-info',
      'msr-proto cpuid',
      'msr-proto ap-reset-hold',
      'msr-proto hv-features',
      'msr-proto terminate',
      'vmgexit ap-jump-table get',
      'vmgexit ap-jump-table set',
      'vmgexit mmio-read',
      'ghcb',
      'sipi',
      'init',
      'nmi',
      'plugins',
      'scenario run',
      'snapshot',
      'restore',
      'log',
      'save-log',
      'quit',
      'help',
    ])
      expect(names.has(n)).toBe(true);
  });

  test('every exit code of the SVM_EXIT and SVM_VMGEXIT tables is a vmgexit form', () => {
    const events = table.filter((r) => r.name.startsWith('vmgexit ')).map((r) => r.name.split(' ')[1]);
    for (const e of [
      'read-dr7',
      'write-dr7',
      'excp-base',
      'rdtsc',
      'rdpmc',
      'cpuid',
      'invd',
      'ioio',
      'msr',
      'vmmcall',
      'rdtscp',
      'wbinvd',
      'monitor',
      'mwait',
      'npf',
      'mmio-read',
      'mmio-write',
      'nmi-complete',
      'ap-hlt-loop',
      'ap-jump-table',
      'psc',
      'guest-request',
      'ext-guest-request',
      'ap-creation',
      'hv-features',
      'term-request',
      'unsupported-event',
    ])
      expect(events).toContain(e);
  });

  test('usage lines show optional arguments and the glued x format', () => {
    const x = table.find((r) => r.name === 'x')!;
    expect(usageOf(x.name, x.args)).toBe('x[/NFU] [ADDR]');
    const set = table.find((r) => r.name === 'set u32')!;
    expect(usageOf(set.name, set.args)).toBe('set u32 ADDR = VALUE');
    const step = table.find((r) => r.name === 'step')!;
    expect(usageOf(step.name, step.args)).toBe('step [N]');
  });

  test('help groups the first words and shows each form with an example', async () => {
    const all = await ok(s, 'help');
    for (const g of GROUPS) expect(all).toContain(`${g}:`);
    expect(all.split('\n')[0]).toBe('memory:   x xp set wx load dump hv-view gva2gpa mem-info');
    expect(await ok(s, 'help step')).toBe(
      [
        'step [N]   (also s, si, stepi)',
        '    execute N instructions (default 1) on the selected vCPU; VMGEXITs and #VCs are handled',
        '    example: step 10',
      ].join('\n'),
    );
    const vm = await ok(s, 'help vmgexit ap-jump-table');
    expect(vm).toContain('vmgexit ap-jump-table set GPA');
    expect(vm).toContain('    example: vmgexit ap-jump-table get');
  });
});

describe('bad command lines', () => {
  test.each([
    ['bogus', "unknown command 'bogus' (help lists them); example: help x"],
    ['stpe', "unknown command 'stpe'; did you mean step? (help lists them); example: help x"],
    [
      'msr-proto',
      'msr-proto needs a form; example: msr-proto sev-info; forms: sev-info, cpuid, ap-reset-hold, hv-features, terminate, raw',
    ],
    [
      'vmgexit frob',
      "vmgexit has no form 'frob'; example: vmgexit cpuid 0x8000001f; forms: cpuid, ioio, msr, read-dr7, write-dr7, rdtsc, rdtscp, rdpmc, vmmcall, monitor, mwait, mmio-read, mmio-write, nmi-complete, ap-hlt-loop, ap-jump-table, hv-features, term-request, excp-base, invd, wbinvd, npf, psc, guest-request, ext-guest-request, ap-creation, unsupported-event, raw",
    ],
    [
      'vmgexit ap-jump-table frob',
      "vmgexit ap-jump-table has no form 'frob'; example: vmgexit ap-jump-table get; forms: get, set",
    ],
    [
      'vmgexit ap-jump-table',
      'vmgexit ap-jump-table needs a form; example: vmgexit ap-jump-table get; forms: get, set',
    ],
    ['wx ab 0x1000', "wx: missing '@' between the bytes and the address; example: wx f4eb fd @ 0x7c00"],
    [
      'x/4q 0x1000',
      "'q' in '/4q' is neither a format (x d u c i) nor a unit (b h w g); example: x/4xw 0x1000",
    ],
    ['x/4xw', 'x: missing ADDR (a bare x goes on after the last one); example: x/4xw 0x1000'],
    [
      'x/4xw $nope',
      "x: ADDR: '$nope' is not a register (e.g. $rax, $eip, $cr0; Tab lists them); example: x/4xw 0x1000",
    ],
    ['set u32 0x1000 5', "set u32: expected '=' where '5' is; example: set u32 0x1000 = 0xabababab"],
    ['set u8 0x1000 = 0x1ff', '0x1ff does not fit in 8 bits; example: set u8 0x1000 = 0xab'],
    [
      'set rax = 1',
      "set: '$REG' is not a register".replace('$REG', 'rax') +
        ' (write $rax, $eip, $cr0, ...); example: set $rax = 0x1234',
    ],
    ['step 1 2', "step: unexpected '2'; example: step 10"],
    ['vcpu 9', 'there is no vCPU 9: this machine has vCPUs 0 to 3; example: vcpu 1'],
    ['delete 3', 'there is no breakpoint 3 (have: none); example: delete 1'],
    ['restore nope', "there is no snapshot 'nope' (have: none); example: restore before-sipi"],
    [
      'msr-proto cpuid 1 fax',
      "msr-proto cpuid: REG 'fax' is not one of eax, ebx, ecx, edx; example: msr-proto cpuid 0x8000001f ebx",
    ],
    ['ghcb nosuch = 1', "ghcb: 'nosuch' is not a GHCB field"],
    ['ghcb cpl = 0x100', '0x100 does not fit in cpl (8 bits); example: ghcb sw_exit_info_2 = 0x5'],
    [
      'xp/4xw 0x10000000',
      '0x10000000..0x10000010 is outside guest memory (0x0..0x10000000); example: xp/8xb 0x7c00',
    ],
    ['load /nonexistent.bin @ 0x1000', 'cannot load /nonexistent.bin: ENOENT'],
    [
      'wx 9 @ 0x1000',
      "wx: '9' is not hex bytes (two digits per byte, e.g. 90c3); example: wx f4eb fd @ 0x7c00",
    ],
    ['assert 1 == 2', 'assertion failed: 0x1 == 0x2 is false; example: assert u32[0x1000] == 0xdeadbeef'],
    ['sipi 1 0x100', 'VECTOR 256 is not 0..0xff; example: sipi 1 0x9f'],
  ])('%s', async (line, message) => {
    const s = newSession();
    const got = await fails(s, line);
    expect(got).toStartWith(message);
    expect(got).not.toContain('\n');
  });
});

describe('plugin commands', () => {
  const demo = definePlugin({
    name: 'demo',
    setup(api) {
      api.addCommand({
        name: 'blob',
        summary: 'show or load the demo blob',
        usage: 'blob show|load FILE\n  Example: blob show',
        run: (args, machine) => {
          if (args[0] === 'show') return `blob at ${machine.config.ghcbBase}`;
          if (args[0] === 'poke') {
            machine.memory.write(0x2000, Uint8Array.of(1, 2, 3));
            throw new Error('poked and failed');
          }
          throw new Error(`unknown blob form '${args[0] ?? ''}'`);
        },
        complete: () => ['show', 'load'],
      });
    },
  });

  test('join the table: help, run, errors with the example, state rolled back', async () => {
    const s = newSession();
    s.machine.plugins.use(demo);
    expect(await ok(s, 'plugins')).toBe('demo: blob');
    expect(await ok(s, 'help')).toContain('plugins:  plugins plugin blob');
    expect(await ok(s, 'help blob')).toBe(
      'blob [ARGS]   [plugin demo]\n    show or load the demo blob\n    example: blob show',
    );
    expect(await ok(s, 'blob show')).toBe(`blob at ${s.machine.config.ghcbBase}`);
    expect(await fails(s, 'blob frob')).toBe(
      "plugin demo failed: unknown blob form 'frob'; example: blob show",
    );
    const before = s.machine.memory.read(0x2000, 3);
    expect(await fails(s, 'blob poke')).toBe('plugin demo failed: poked and failed; example: blob show');
    expect(s.machine.memory.read(0x2000, 3)).toEqual(before);
  });
});
