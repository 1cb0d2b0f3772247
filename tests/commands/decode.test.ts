import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(import.meta.dir, '../../scripts/cli.ts');

function sevlab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'decode', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('sevlab decode', () => {
  test('64-bit MMIO-touching driver code, bytes as separate arguments', () => {
    // mov [rax+0x10], rcx; movzx ecx, word ptr [rdx]; rep vmmcall (VMGEXIT); mov ebx, eax
    const r = sevlab(
      '--mode',
      '64',
      '48',
      '89',
      '48',
      '10',
      '0f',
      'b7',
      '0a',
      'f3',
      '0f',
      '01',
      'd9',
      '89',
      'c3',
    );
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual([
      { offset: 0, length: 4, text: 'mov qword ptr [rax+0x10], rcx', mmio: { class: 'write', bytes: 8 } },
      {
        offset: 4,
        length: 3,
        text: 'movzx ecx, word ptr [rdx]',
        mmio: { class: 'read-zero-extend', bytes: 2 },
      },
      { offset: 7, length: 4, text: 'vmgexit', mmio: null },
      { offset: 11, length: 2, text: 'mov ebx, eax', mmio: null },
    ]);
  });

  test('16-bit code as one hex run, with a far jump and a string move', () => {
    // mov ax, [bx+si+2]; rep movsb; jmp 0x8:0x1000
    const r = sevlab('--mode', '16', '8b4002f3a4ea00100800');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        '{"offset":0,"length":3,"text":"mov ax, word ptr [bx+si+0x2]","mmio":{"class":"read","bytes":2}}',
        '{"offset":3,"length":2,"text":"rep movsb","mmio":{"class":"movs","bytes":1}}',
        '{"offset":5,"length":5,"text":"jmp far 0x8:0x1000","mmio":null}',
        '',
      ].join('\n'),
    );
  });

  test('VEX, EVEX and XOP decoded for their length only say their operands are not decoded', () => {
    // vbroadcastss ymm0, xmm0 (VEX); vbroadcastss zmm0, xmm0 (EVEX); vprotb xmm0, xmm0, 5 (XOP); vzeroall
    const r = sevlab('--mode', '64', 'c4e27d18c0', '62f27c4818c0', '8fe878c0c005', 'c5fc77');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        '{"offset":0,"length":5,"text":"vbroadcastss (operands not decoded)","mmio":null}',
        '{"offset":5,"length":6,"text":"vbroadcastss (operands not decoded)","mmio":null}',
        '{"offset":11,"length":6,"text":"(XOP map 8 opcode 0xc0: not decoded)","mmio":null}',
        '{"offset":17,"length":3,"text":"vzeroall","mmio":null}',
        '',
      ].join('\n'),
    );
  });

  test('undecodable bytes print an error of length 1 and decoding goes on', () => {
    // push es (invalid in 64-bit code); nop; then a lone 0F
    const r = sevlab('--mode', '64', '06', '90', '0f');
    expect(lines(r.stdout)).toEqual([
      { offset: 0, length: 1, error: 'invalid-in-mode' },
      { offset: 1, length: 1, text: 'nop', mmio: null },
      { offset: 2, length: 1, error: 'truncated' },
    ]);
  });

  test('--file with --offset and --length prints file offsets and branch targets in that space', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sevlab-decode-')), 'code.bin');
    // junk (2 bytes); call .+0 (e8 00 00 00 00); c6 00 05 = mov byte ptr [eax], 5; junk
    writeFileSync(file, Uint8Array.from([0xcc, 0xcc, 0xe8, 0, 0, 0, 0, 0xc6, 0x00, 0x05, 0xcc]));
    const r = sevlab('--mode', '32', '--file', file, '--offset', '0x2', '--length', '8');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual([
      { offset: 2, length: 5, text: 'call 0x7', mmio: null },
      { offset: 7, length: 3, text: 'mov byte ptr [eax], 0x5', mmio: { class: 'write-imm', bytes: 1 } },
    ]);
  });

  const bad: [string[], string][] = [
    [['90'], 'sevlab decode: --mode 16|32|64 is required'],
    [['--mode', '8', '90'], "sevlab decode: --mode takes 16, 32 or 64, not '8'"],
    [
      ['--mode', '64', '9'],
      "sevlab decode: '9' is not hex bytes (two hex digits per byte, e.g. 89 c3 or 89c3)",
    ],
    [
      ['--mode', '64', 'xyz1'],
      "sevlab decode: 'xyz1' is not hex bytes (two hex digits per byte, e.g. 89 c3 or 89c3)",
    ],
    [['--mode', '64'], 'sevlab decode: nothing to decode: give --file FILE or hex bytes'],
    [['--mode', '64', '--offset', '4', '90'], 'sevlab decode: --offset and --length go with --file'],
    [['--mode', '64', '--file', '/nonexistent/x.bin'], "sevlab decode: cannot read '/nonexistent/x.bin'"],
    [
      ['--mode', '64', '--file', tmpdir()],
      `sevlab decode: '${tmpdir()}' is a directory; --file takes a file of machine code`,
    ],
    [['--mode', '64', '--bogus'], "sevlab decode: unknown option '--bogus'; see sevlab decode --help"],
  ];
  for (const [args, message] of bad) {
    test(`bad arguments '${args.join(' ')}' exit 2 with one line`, () => {
      const r = sevlab(...args);
      expect([r.status, r.stdout, r.stderr]).toEqual([2, '', `${message}\n`]);
    });
  }
});
