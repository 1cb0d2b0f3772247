import { describe, expect, test } from 'bun:test';
import { Cpu, DecodeCache, GuestMemory, type Platform } from '../../core/index.ts';

const block = () => ({ valid: true });

describe('DecodeCache', () => {
  test('keys separate code sizes at the same physical address', () => {
    expect(DecodeCache.key(0x1000, 16)).not.toBe(DecodeCache.key(0x1000, 32));
    expect(DecodeCache.key(0x1000, 64)).not.toBe(DecodeCache.key(0x1001, 16));
  });

  test('invalidating a page drops its blocks and marks them invalid; other pages stay', () => {
    const cache = new DecodeCache();
    const a = block();
    const b = block();
    cache.put(DecodeCache.key(0x1010, 16), 1, a);
    cache.put(DecodeCache.key(0x2000, 16), 2, b);
    expect(cache.isCodePage(1)).toBe(true);
    cache.invalidateRange(0x1fff, 1);
    expect(a.valid).toBe(false);
    expect(b.valid).toBe(true);
    expect(cache.get(DecodeCache.key(0x1010, 16))).toBeUndefined();
    expect(cache.isCodePage(1)).toBe(false);
    expect(cache.size).toBe(1);
  });

  test('a new code page bumps the epoch (vCPUs then drop their write-TLB entries)', () => {
    const cache = new DecodeCache();
    const e = cache.epoch;
    cache.put(DecodeCache.key(0x3000, 32), 3, block());
    cache.put(DecodeCache.key(0x3010, 32), 3, block());
    expect(cache.epoch).toBe(e + 1);
  });
});

describe('many vCPUs', () => {
  test('4096 vCPUs share one cache and allocate no TLB until they run', () => {
    const memory = new GuestMemory({ size: 0x100000 });
    const decodeCache = new DecodeCache();
    const platform: Platform = {
      cpuid: () => ({ eax: 0, ebx: 0, ecx: 0, edx: 0 }),
      rdmsr: () => undefined,
      wrmsr: () => false,
      ioIn: () => 0,
      ioOut: () => {},
      mmioRead: () => 0n,
      mmioWrite: () => {},
    };
    const cpus = Array.from({ length: 4096 }, () => new Cpu({ memory, platform, sevEs: true, decodeCache }));
    expect(cpus.every((c) => c.tlb === null)).toBe(true);
    memory.write(0x8000, Uint8Array.of(0xf4)); // hlt
    for (const c of cpus.slice(0, 2)) {
      c.setReg('cs', 0x800n);
      c.setReg('ip', 0n);
      expect(c.run({ maxInstructions: 5 })).toEqual({ kind: 'hlt' });
    }
    expect(cpus[0]!.tlb).not.toBeNull();
    expect(cpus[2]!.tlb).toBeNull();
    expect(decodeCache.size).toBe(1);
  });
});
