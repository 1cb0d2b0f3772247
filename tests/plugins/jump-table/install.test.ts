import { describe, expect, test } from 'bun:test';
import {
  INSTALL_LOG,
  type InstallInput,
  sevEsSetupApJumpTable,
} from '../../../plugins/jump-table/install.ts';
import { loadShippedBlob } from '../../../plugins/jump-table/shipped-blob.ts';
import { KERNEL_A_SYMBOLS } from '../../../plugins/kexec/kernels/kernel_a.symbols.ts';
import { hexBytes, SparseMemory } from './sparse-memory.ts';

const blob = loadShippedBlob();
const PA = 0x7f5ff000;
const PARK_GDT = KERNEL_A_SYMBOLS.sev_ap_park_gdt;

function run(over: Partial<InstallInput> = {}) {
  const memory = new SparseMemory();
  // What an earlier kernel left: its reset vector (kernel A's trampoline, CS 0x0800, IP 3).
  memory.write(PA, Uint8Array.of(0x03, 0x00, 0x00, 0x08));
  memory.writes.length = 0;
  const log: string[] = [];
  const input: InstallInput = {
    memory,
    log: (l) => log.push(l),
    sevEs: true,
    sevSnp: false,
    ghcbProtocol: 2,
    jumpTableGpa: BigInt(PA),
    blob,
    parkGdtGpa: PARK_GDT,
    ...over,
  };
  return { outcome: sevEsSetupApJumpTable(input), memory, log };
}

describe('sevEsSetupApJumpTable: conditions', () => {
  test.each([
    ['a guest without SEV-ES', { sevEs: false }, { kind: 'skipped', reason: 'not-sev-es' }, []],
    ['an SEV-SNP guest', { sevSnp: true }, { kind: 'skipped', reason: 'sev-snp' }, []],
    [
      'GHCB protocol version 1',
      { ghcbProtocol: 1 },
      { kind: 'skipped', reason: 'ghcb-protocol', message: INSTALL_LOG.ghcbProtocol },
      ['AP jump table parking requires at least GHCB protocol version 2'],
    ],
    ['no jump table (a UP guest)', { jumpTableGpa: 0n }, { kind: 'skipped', reason: 'no-jump-table' }, []],
    [
      'a jump table that is not page aligned',
      { jumpTableGpa: 0x7f5ff800n },
      { kind: 'error', reason: 'misaligned', errno: -22 },
      [],
    ],
    [
      'a jump table at 4 GiB',
      { jumpTableGpa: 0x100000000n },
      { kind: 'error', reason: 'above-4g', errno: -22, message: INSTALL_LOG.above4g },
      ['AP jump table is above 4GB or address overflow - not enabling AP jump table parking'],
    ],
    [
      'a jump table whose end wraps around 2**64',
      { jumpTableGpa: 0xfffffffffffff000n },
      { kind: 'error', reason: 'above-4g', errno: -22, message: INSTALL_LOG.above4g },
      ['AP jump table is above 4GB or address overflow - not enabling AP jump table parking'],
    ],
  ] as const)('refuses %s without touching memory', (_, over, outcome, lines) => {
    const r = run(over);
    expect(r.outcome).toEqual(outcome);
    expect(r.log).toEqual([...lines]);
    expect(r.memory.writes).toEqual([]);
  });

  test('the last page below 4 GiB is accepted (gpa + 4096 == 4 GiB)', () => {
    const r = run({ jumpTableGpa: 0xfffff000n });
    expect(r.outcome.kind).toBe('installed');
    expect(r.log).toEqual(['AP jump table Blob successfully set up']);
  });
});

describe('sevEsSetupApJumpTable: install', () => {
  test('copies the blob, fixes up both GDTs and the GDTR base, restores the saved reset vector (v1-v3)', () => {
    const { outcome, memory, log } = run();
    expect(outcome).toEqual({
      kind: 'installed',
      state: {
        gpa: PA,
        blobSize: 0xc0,
        savedResetVector: { ip: 3, cs: 0x800 },
        resetVector: { ip: 3, cs: 0x800 },
      },
    });
    expect(log).toEqual(['AP jump table Blob successfully set up']);
    // Header: the old kernel's reset vector, then the GDT offset.
    expect(hexBytes(memory.read(PA, 6))).toBe('03 00 00 08 a0 00');
    // Code unchanged from the blob.
    expect(memory.read(PA + 0x10, 0x90)).toEqual(blob.bytes.subarray(0x10, 0xa0));
    // Blob GDT: base 0xa0 + PA; CS16/DS16 based at PA (GDT_ENTRY(0x9b/0x93, PA, 0xffff)); real-mode DS.
    expect(hexBytes(memory.read(PA + 0xa0, 32))).toBe(
      [
        '1f 00 a0 f0 5f 7f 00 00',
        'ff ff 00 f0 5f 9b 00 7f',
        'ff ff 00 f0 5f 93 00 7f',
        'ff ff 00 00 00 93 00 00',
      ].join(' '),
    );
    // Trampoline GDT: entries 1 and 2 only; slot 0 (its absolute pseudo-descriptor) is the kernel's.
    expect(hexBytes(memory.read(PARK_GDT, 24))).toBe(
      ['00 00 00 00 00 00 00 00', 'ff ff 00 f0 5f 9b 00 7f', 'ff ff 00 f0 5f 93 00 7f'].join(' '),
    );
    // Nothing past the blob is written.
    expect(hexBytes(memory.read(PA + 0xc0, 8))).toBe('00 00 00 00 00 00 00 00');
  });

  test("writes the kernel's own trampoline as reset vector when given (v4+)", () => {
    const { outcome, memory } = run({ resetVector: { ip: 0x0003, cs: 0x0a00 } });
    expect(outcome.kind === 'installed' && outcome.state.savedResetVector).toEqual({ ip: 3, cs: 0x800 });
    expect(hexBytes(memory.read(PA, 4))).toBe('03 00 00 0a');
  });

  test('a page right below 4 GiB gets a GDTR base that still fits 32 bits', () => {
    const { memory } = run({ jumpTableGpa: 0xfffff000n });
    expect(hexBytes(memory.read(0xfffff0a0, 16))).toBe('1f 00 a0 f0 ff ff 00 00 ff ff 00 f0 ff 9b 00 ff');
  });
});
