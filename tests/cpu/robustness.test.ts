import { describe, expect, test } from 'bun:test';
import { DecodeCache } from '../../core/index.ts';
import { flat32, rig } from './helpers/asm.ts';

/** xorshift32: the same programs every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const KINDS = ['limit', 'hlt', 'vmgexit', 'vc', 'shutdown', 'breakpoint', 'stop-requested'];

describe('random machine code', () => {
  for (const [mode, sevEs, compiled] of [
    ['real', false, false],
    ['protected32', false, true],
    ['real', true, true],
    ['protected32', true, false],
    ['long64', false, true],
    ['long64', true, false],
  ] as const) {
    test(`never escapes as a JS exception (${mode}, sevEs ${sevEs}, ${compiled ? 'compiled' : 'closures'})`, () => {
      const next = prng(0x5e71ab + (sevEs ? 1 : 0) + (compiled ? 2 : 0));
      for (let n = 0; n < 150; n++) {
        const decodeCache = new DecodeCache();
        decodeCache.compileAfter = compiled ? 0 : Number.POSITIVE_INFINITY;
        const r = rig({ sevEs, decodeCache, size: 0x200000 });
        const code = Uint8Array.from({ length: 256 }, () => next() & 0xff);
        r.memory.write(0x1000, code);
        if (mode === 'real') {
          r.cpu.setReg('cs', 0x100n);
          r.cpu.setReg('ip', 0n);
        } else flat32(r, 0x1000);
        if (mode === 'long64') {
          // Identity-map the first 2 MiB and switch CS to a 64-bit segment.
          r.memory.write64(0x10000, 0x11003n);
          r.memory.write64(0x11000, 0x12003n);
          r.memory.write64(0x12000, 0x83n);
          r.memory.write64(0x518, 0x00af9a000000ffffn);
          r.cpu.gdtr = { base: 0x500n, limit: 0x1f };
          r.cpu.setReg('cr3', 0x10000n);
          r.cpu.setReg('cr4', 0x20n);
          r.cpu.setReg('efer', 0x500n);
          r.cpu.setReg('cr0', 0x80000011n);
          r.cpu.setSegment('cs', { selector: 0x18, base: 0n, limit: 0xffffffff, attributes: 0xa9b });
          r.cpu.setReg('rip', 0x1000n);
        }
        for (const reg of ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp'])
          r.cpu.setReg(reg, BigInt(next()));
        const stop = r.cpu.run({ maxInstructions: 300 });
        expect(KINDS).toContain(stop.kind);
      }
    });
  }
});

describe('compiled blocks against the pre-bound closures', () => {
  test('random 16- and 32-bit programs end in the same state on both paths', () => {
    const next = prng(0xc0ffee);
    for (let n = 0; n < 150; n++) {
      const mode = n % 2 === 0 ? 'real' : 'protected32';
      const code = Uint8Array.from({ length: 256 }, () => next() & 0xff);
      const regs = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp'].map(
        (reg) => [reg, BigInt(next() & 0x0fff)] as const,
      );
      const ends = [false, true].map((compiled) => {
        const decodeCache = new DecodeCache();
        decodeCache.compileAfter = compiled ? 0 : Number.POSITIVE_INFINITY;
        const r = rig({ decodeCache, size: 0x200000 });
        r.memory.write(0x1000, code);
        if (mode === 'real') {
          r.cpu.setReg('cs', 0x100n);
          r.cpu.setReg('ip', 0n);
          r.cpu.setReg('sp', 0x7000n);
        } else flat32(r, 0x1000);
        for (const [reg, v] of regs) r.cpu.setReg(reg, v);
        const stop = r.cpu.run({ maxInstructions: 200 });
        const { instructionsRetired, ...state } = r.cpu.snapshot();
        return { stop, state, retired: instructionsRetired, ram: Array.from(r.memory.read(0, 0x10000)) };
      });
      expect(ends[1]).toEqual(ends[0]!);
    }
  });
});
