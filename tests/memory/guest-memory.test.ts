import { describe, expect, test } from 'bun:test';
import type { MmioDevice } from '../../core/devices/mmio-device.ts';
import { GuestMemory, MemoryError, PAGE_SIZE } from '../../core/memory/index.ts';

const TiB = 2 ** 40;

/** Answers reads with 0xA0 + offset per byte and records every access. */
class ProbeDevice implements MmioDevice {
  readonly log: string[] = [];
  constructor(readonly name = 'probe') {}
  read(offset: number, size: number): bigint {
    this.log.push(`r ${offset.toString(16)} ${size}`);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(0xa0 + offset + i);
    return v;
  }
  write(offset: number, size: number, value: bigint): void {
    this.log.push(`w ${offset.toString(16)} ${size} ${value.toString(16)}`);
  }
}

describe('sparse RAM', () => {
  test('declaring 1 TiB materialises no page', () => {
    const mem = new GuestMemory({ size: TiB });
    expect(mem.size).toBe(TiB);
    expect(mem.touchedPages()).toBe(0);
    expect(mem.read8(TiB - 1)).toBe(0);
    expect(mem.read(TiB - 16, 16)).toEqual(new Uint8Array(16));
    expect(mem.touchedPages()).toBe(0);
  });

  test('a write materialises exactly the pages it touches', () => {
    const mem = new GuestMemory({ size: TiB });
    mem.write8(TiB - 1, 0x5a);
    expect(mem.touchedPages()).toBe(1);
    mem.write(0x1ffe, new Uint8Array([1, 2, 3, 4]));
    expect(mem.touchedPages()).toBe(3);
    expect(mem.read8(TiB - 1)).toBe(0x5a);
  });

  test('ramPage without create returns undefined for an untouched page and the live page after a write', () => {
    const mem = new GuestMemory({ size: 0x10000 });
    expect(mem.ramPage(3, false)).toBeUndefined();
    mem.write32(0x3004, 0xdeadbeef);
    const page = mem.ramPage(3, false)!;
    expect([...page.subarray(4, 8)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
    page[8] = 0x77;
    expect(mem.read8(0x3008)).toBe(0x77);
  });

  test('ramPage with create materialises a zero page', () => {
    const mem = new GuestMemory({ size: 0x10000 });
    const page = mem.ramPage(15, true)!;
    expect(page.length).toBe(PAGE_SIZE);
    expect(page.every((b) => b === 0)).toBe(true);
    expect(mem.touchedPages()).toBe(1);
    expect(mem.ramPage(15, false)).toBe(page);
  });

  test.each([
    ['past the end of RAM', 16],
    ['negative', -1],
    ['fractional', 1.5],
  ])('ramPage of a frame %s is undefined', (_what, gfn) => {
    const mem = new GuestMemory({ size: 0x10000 });
    expect(mem.ramPage(gfn, true)).toBeUndefined();
    expect(mem.touchedPages()).toBe(0);
  });

  test('ramPage of an MMIO frame is undefined even with create', () => {
    const mem = new GuestMemory({ size: 0x100000 });
    mem.addMmio(0xb8000, 0x8000, new ProbeDevice());
    expect(mem.ramPage(0xb8, true)).toBeUndefined();
    expect(mem.ramPage(0xbf, true)).toBeUndefined();
    expect(mem.ramPage(0xc0, true)).toBeDefined();
  });
});

describe('guest view round-trips', () => {
  const mem = new GuestMemory({ size: 0x100000 });

  test.each([
    ['write8/read8', 0x1000, () => mem.write8(0x1000, 0xab), () => mem.read8(0x1000), 0xab],
    ['write8 of -1', 0x1001, () => mem.write8(0x1001, -1), () => mem.read8(0x1001), 0xff],
    ['write16 of -2', 0x1002, () => mem.write16(0x1002, -2), () => mem.read16(0x1002), 0xfffe],
    ['write16/read16', 0x2001, () => mem.write16(0x2001, 0xbeef), () => mem.read16(0x2001), 0xbeef],
    ['write32/read32', 0x3003, () => mem.write32(0x3003, 0xfeedface), () => mem.read32(0x3003), 0xfeedface],
    ['write32 of -1', 0x3100, () => mem.write32(0x3100, -1), () => mem.read32(0x3100), 0xffffffff],
  ])('%s', (_name, _gpa, write, read, expected) => {
    write();
    expect(read()).toBe(expected);
  });

  test('write64/read64 keeps all 64 bits, little endian', () => {
    mem.write64(0x4000, 0x0123456789abcdefn);
    expect(mem.read64(0x4000)).toBe(0x0123456789abcdefn);
    expect([...mem.read(0x4000, 8)]).toEqual([0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01]);
    mem.write64(0x4008, -2n);
    expect(mem.read64(0x4008)).toBe(0xfffffffffffffffen);
    mem.write64(0x4010, 1n);
    expect(mem.read64(0x4010)).toBe(1n);
    mem.ramPage(4, false)![0x17] = 0x80;
    expect(mem.read64(0x4010)).toBe(0x8000000000000001n);
  });

  test.each([
    [1, 0xfff, 0x12, 0x12],
    [2, 0xfff, 0x3412, 0x3412],
    [4, 0x5ffe, 0x78563412, 0x78563412],
    [4, 0x5fff, 0x78563412, 0x78563412],
  ])('a %i-byte access at %p crossing a page boundary round-trips', (size, gpa, value, expected) => {
    const m = new GuestMemory({ size: 0x10000 });
    if (size === 1) m.write8(gpa, value);
    if (size === 2) m.write16(gpa, value);
    if (size === 4) m.write32(gpa, value);
    const got = size === 1 ? m.read8(gpa) : size === 2 ? m.read16(gpa) : m.read32(gpa);
    expect(got).toBe(expected);
  });

  test('read64 and write64 across a page boundary', () => {
    const m = new GuestMemory({ size: 0x10000 });
    m.write64(0x1ffc, 0x1122334455667788n);
    expect(m.read64(0x1ffc)).toBe(0x1122334455667788n);
    expect(m.read32(0x1ffc)).toBe(0x55667788);
    expect(m.read32(0x2000)).toBe(0x11223344);
  });

  test('a byte array written across three pages reads back whole and in pieces', () => {
    const m = new GuestMemory({ size: 0x10000 });
    const data = Uint8Array.from({ length: 0x1010 }, (_, i) => (i * 7) & 0xff);
    m.write(0xff8, data);
    expect(m.read(0xff8, data.length)).toEqual(data);
    expect(m.read8(0x1000)).toBe(data[8]!);
    expect(m.read8(0x2007)).toBe(data[0x100f]!);
    expect(m.touchedPages()).toBe(3);
  });

  test('a zero-length read returns an empty array', () => {
    expect(mem.read(0x100, 0)).toEqual(new Uint8Array(0));
  });
});

describe('address errors', () => {
  const mem = new GuestMemory({ size: 0x10000 });

  test.each([
    ['read8 past the end', () => mem.read8(0x10000), '0x10000'],
    ['read32 straddling the end', () => mem.read32(0xfffe), '0x10000'],
    ['write of 16 bytes straddling the end', () => mem.write(0xfff8, new Uint8Array(16)), '0x10000'],
    ['write64 past the end', () => mem.write64(0x10000, 1n), '0x10000'],
    ['read of a negative address', () => mem.read(-1, 4), '-1'],
    ['read8 of a fractional address', () => mem.read8(0.5), '0.5'],
    ['write8 of a fractional address', () => mem.write8(1.5, 1), '1.5'],
    ['read with a fractional length', () => mem.read(0, 1.5), '1.5'],
    ['read ending above 2**52', () => mem.read(2 ** 52 - 1, 2), '0xfffffffffffff'],
  ])('%s is a MemoryError naming the address', (_name, access, named) => {
    expect(access).toThrow(MemoryError);
    expect(access).toThrow(named);
  });

  test('a negative length is a MemoryError naming the call, not a RangeError', () => {
    expect(() => mem.read(0, -1)).toThrow(MemoryError);
    expect(() => mem.read(0, -1)).toThrow(
      'read(0x0, -1) is not a valid range: give a non-negative integer address and length that end at or below 2**52.',
    );
  });

  test.each<[string, () => void, string]>([
    ['write8 of 300', () => mem.write8(0, 300), 'write8(0x0, 300): the value is not an 8-bit integer'],
    ['write8 of -129', () => mem.write8(0, -129), 'write8(0x0, -129)'],
    ['write8 of 1.5', () => mem.write8(0, 1.5), 'write8(0x0, 1.5)'],
    ['write16 of 0x10000', () => mem.write16(2, 0x10000), 'write16(0x2, 65536): the value is not a 16-bit'],
    [
      'write32 of 2**32',
      () => mem.write32(4, 2 ** 32),
      'write32(0x4, 4294967296): the value is not a 32-bit',
    ],
    ['write32 of NaN', () => mem.write32(4, Number.NaN), 'write32(0x4, NaN)'],
    [
      'write64 of 2**64 + 1',
      () => mem.write64(8, 0x1_0000_0000_0000_0001n),
      'write64(0x8, 0x10000000000000001): the value is not a 64-bit integer; give an integer from -2**63 to 2**64 - 1.',
    ],
    ['write64 of -(2**63) - 1', () => mem.write64(8, -(2n ** 63n) - 1n), 'write64(0x8, -0x8000000000000001)'],
  ])('%s is a MemoryError naming the value; memory is unchanged', (_name, access, named) => {
    expect(access).toThrow(MemoryError);
    expect(access).toThrow(named);
    expect(mem.read64(0)).toBe(0n);
    expect(mem.read64(8)).toBe(0n);
  });

  test('the widest values still store: 0xff, 0xffff, 0xffffffff, 2**64 - 1 and -2**63', () => {
    const m = new GuestMemory({ size: 0x1000 });
    m.write8(0, 0xff);
    m.write16(2, 0xffff);
    m.write32(4, 0xffff_ffff);
    m.write64(8, 2n ** 64n - 1n);
    m.write64(16, -(2n ** 63n));
    expect([m.read8(0), m.read16(2), m.read32(4), m.read64(8), m.read64(16)]).toEqual([
      0xff,
      0xffff,
      0xffff_ffff,
      0xffff_ffff_ffff_ffffn,
      0x8000_0000_0000_0000n,
    ]);
  });

  test('the message says what RAM is', () => {
    expect(() => mem.read8(0x10000)).toThrow(
      'read(0x10000, 0x1) reaches 0x10000, which is neither RAM nor MMIO: RAM is [0, 0x10000).',
    );
  });

  test('a write that fails leaves memory untouched', () => {
    const m = new GuestMemory({ size: 0x2000 });
    expect(() => m.write(0x1ff0, new Uint8Array(0x20).fill(9))).toThrow(MemoryError);
    expect(m.touchedPages()).toBe(0);
  });

  test.each([[0], [4095], [2 ** 52 + 4096], [1.5 * 4096]])('size %p is refused', (size) => {
    expect(() => new GuestMemory({ size })).toThrow(MemoryError);
  });

  test('a key that is not 16 bytes is refused', () => {
    expect(() => new GuestMemory({ size: 4096, key: new Uint8Array(15) })).toThrow(
      'The VM key has 15 bytes: an AES-128 key has exactly 16.',
    );
  });
});

describe('page attributes', () => {
  test('RAM defaults to the defaultEncrypted option', () => {
    expect(new GuestMemory({ size: 0x4000 }).isEncrypted(0x1000)).toBe(false);
    expect(new GuestMemory({ size: 0x4000, defaultEncrypted: true }).isEncrypted(0x1000)).toBe(true);
  });

  test('setEncrypted changes whole pages and nothing around them', () => {
    const mem = new GuestMemory({ size: 0x10000, defaultEncrypted: true });
    mem.setEncrypted(0x3000, 0x2000, false);
    expect([0x2fff, 0x3000, 0x4fff, 0x5000].map((a) => mem.isEncrypted(a))).toEqual([
      true,
      false,
      false,
      true,
    ]);
    mem.setEncrypted(0x4000, 0x1000, true);
    expect([0x3fff, 0x4000].map((a) => mem.isEncrypted(a))).toEqual([false, true]);
  });

  test('marking 1 TiB shared then one page private costs no page', () => {
    const mem = new GuestMemory({ size: TiB, defaultEncrypted: true });
    mem.setEncrypted(0, TiB, false);
    mem.setEncrypted(0x7000, 0x1000, true);
    expect(mem.isEncrypted(TiB - 1)).toBe(false);
    expect(mem.isEncrypted(0x7abc)).toBe(true);
    expect(mem.touchedPages()).toBe(0);
  });

  test.each([
    [0x1001, 0x1000],
    [0x1000, 0x800],
  ])('setEncrypted(%p, %p) is refused as unaligned', (gpa, length) => {
    const mem = new GuestMemory({ size: 0x10000 });
    expect(() => mem.setEncrypted(gpa, length, true)).toThrow('is not whole pages: the C-bit is per page');
  });

  test('setEncrypted past the end of RAM is refused', () => {
    const mem = new GuestMemory({ size: 0x10000 });
    expect(() => mem.setEncrypted(0xf000, 0x2000, true)).toThrow(
      'setEncrypted(0xf000, 0x2000) goes past the end of RAM: RAM is [0, 0x10000).',
    );
  });

  test('MMIO is shared whatever the RAM default', () => {
    const mem = new GuestMemory({ size: 0x100000, defaultEncrypted: true });
    mem.addMmio(0xb8000, 0x8000, new ProbeDevice());
    expect(mem.isEncrypted(0xb8000)).toBe(false);
    expect(mem.isEncrypted(0xc0000)).toBe(true);
  });
});

describe('reserved ranges', () => {
  test('a firmware reservation is found from any address inside it and stays writable', () => {
    const mem = new GuestMemory({ size: 0x100000 });
    mem.reserve(0x9f000, 0x1000, 'ovmf-ap-jump-table');
    mem.reserve(0x1000, 0x1000, 'acpi');
    expect(mem.reservedAt(0x9f000)).toEqual({ base: 0x9f000, length: 0x1000, owner: 'ovmf-ap-jump-table' });
    expect(mem.reservedAt(0x9ffff)?.owner).toBe('ovmf-ap-jump-table');
    expect(mem.reservedAt(0xa0000)).toBeUndefined();
    expect(mem.reservedAt(0x9efff)).toBeUndefined();
    expect(mem.reservedRanges().map((r) => r.owner)).toEqual(['acpi', 'ovmf-ap-jump-table']);
    mem.write16(0x9f000, 0x1234);
    expect(mem.read16(0x9f000)).toBe(0x1234);
  });

  test('overlapping reservations are refused naming the owner', () => {
    const mem = new GuestMemory({ size: 0x100000 });
    mem.reserve(0x9f000, 0x1000, 'ovmf');
    expect(() => mem.reserve(0x9e000, 0x2000, 'kernel')).toThrow(
      "reserve(0x9e000, 0x2000) overlaps the range reserved by 'ovmf' at 0x9f000 (0x1000 bytes): " +
        'reserved ranges may not overlap.',
    );
  });

  test('a reservation past RAM, over MMIO or not of whole pages is refused', () => {
    const mem = new GuestMemory({ size: 0x100000 });
    mem.addMmio(0xb8000, 0x8000, new ProbeDevice());
    expect(() => mem.reserve(0xff000, 0x2000, 'x')).toThrow('goes past the end of RAM');
    expect(() => mem.reserve(0x123, 0x10, 'fw')).toThrow(
      'reserve(0x123, 0x10) is not whole pages: firmware reserves whole pages, so give a non-zero address ' +
        'and length that are multiples of 0x1000.',
    );
    expect(() => mem.reserve(0x2000, 0x800, 'fw')).toThrow('is not whole pages');
    expect(mem.reservedRanges()).toEqual([]);
    expect(() => mem.reserve(0xb0000, 0x10000, 'x')).toThrow("overlaps the MMIO range of 'probe'");
  });
});

describe('MMIO dispatch', () => {
  test('fixed-width accesses reach the device with the offset in its range and the exact size', () => {
    const mem = new GuestMemory({ size: 0x100000 });
    const dev = new ProbeDevice();
    mem.addMmio(0xfec00000, 0x1000, dev);
    mem.write32(0xfec00010, 0xcafef00d);
    mem.write8(0xfec00001, 0xff);
    mem.write64(0xfec00020, 0x1122334455667788n);
    expect(mem.read16(0xfec00004)).toBe(0xa5a4);
    expect(mem.read64(0xfec00000)).toBe(0xa7a6a5a4a3a2a1a0n);
    expect(dev.log).toEqual(['w 10 4 cafef00d', 'w 1 1 ff', 'w 20 8 1122334455667788', 'r 4 2', 'r 0 8']);
  });

  test('a long access goes to the device in pieces of at most 8 bytes', () => {
    const mem = new GuestMemory({ size: 0x100000 });
    const dev = new ProbeDevice();
    mem.addMmio(0xb8000, 0x8000, dev);
    expect([...mem.read(0xb8002, 11)]).toEqual([
      0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac,
    ]);
    mem.write(0xb8000, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(dev.log).toEqual(['r 2 8', 'r a 3', 'w 0 8 807060504030201', 'w 8 2 a09']);
  });

  test('an access spanning RAM and MMIO splits at the range boundary', () => {
    const mem = new GuestMemory({ size: 0x100000 });
    const dev = new ProbeDevice();
    mem.addMmio(0xb8000, 0x8000, dev);
    mem.write(0xb7ffe, Uint8Array.from([1, 2, 3, 4]));
    expect(mem.read16(0xb7ffe)).toBe(0x0201);
    expect(dev.log).toEqual(['w 0 2 403']);
    expect(mem.touchedPages()).toBe(1);
  });

  test('only the asked bytes of a device answer count', () => {
    const mem = new GuestMemory({ size: 0x10000 });
    mem.addMmio(0x20000, 0x1000, { name: 'liar', read: () => 0xffff_ffff_ffff_ffffn, write: () => {} });
    expect(mem.read16(0x20000)).toBe(0xffff);
    expect(mem.read8(0x20000)).toBe(0xff);
  });

  test('mmioAt finds the range base and device from any address inside it', () => {
    const mem = new GuestMemory({ size: 0x100000 });
    const dev = new ProbeDevice();
    mem.addMmio(0xb8000, 0x8000, dev);
    expect(mem.mmioAt(0xbffff)).toEqual({ base: 0xb8000, device: dev });
    expect(mem.mmioAt(0xc0000)).toBeUndefined();
    expect(mem.mmioAt(0xb7fff)).toBeUndefined();
  });

  test('overlapping, unaligned and RAM-covering ranges are refused', () => {
    const mem = new GuestMemory({ size: 0x100000 });
    mem.addMmio(0xb8000, 0x8000, new ProbeDevice());
    expect(() => mem.addMmio(0xbf000, 0x2000, new ProbeDevice('second'))).toThrow(
      "addMmio(0xbf000, 0x2000) for 'second' overlaps 'probe' at 0xb8000 (0x8000 bytes): " +
        'MMIO ranges may not overlap.',
    );
    expect(() => mem.addMmio(0xd0800, 0x1000, new ProbeDevice())).toThrow('is not whole pages');
    mem.write8(0xe0010, 1);
    expect(() => mem.addMmio(0xe0000, 0x1000, new ProbeDevice())).toThrow(
      'covers RAM already written at 0xe0000',
    );
  });

  test('removeMmio unmaps a range: inside RAM its frames are RAM again, beyond RAM nothing', () => {
    const mem = new GuestMemory({ size: 0x100000 });
    const dev = new ProbeDevice();
    mem.addMmio(0xb8000, 0x8000, dev);
    mem.addMmio(0xfee00000, 0x1000, new ProbeDevice('lapic'));
    mem.removeMmio(0xb8000);
    mem.removeMmio(0xfee00000);
    mem.write8(0xb8000, 0x41);
    expect(mem.read8(0xb8000)).toBe(0x41);
    expect(dev.log).toEqual([]);
    expect(() => mem.read8(0xfee00000)).toThrow(MemoryError);
    expect(() => mem.removeMmio(0xb8000)).toThrow(
      'removeMmio(0xb8000) matches no MMIO range: give the base of a range added with addMmio.',
    );
  });

  test('an address beyond RAM and every MMIO range lists what exists', () => {
    const mem = new GuestMemory({ size: 0x100000 });
    mem.addMmio(0xfee00000, 0x1000, new ProbeDevice('lapic'));
    expect(() => mem.read32(0xfee01000)).toThrow(
      'read(0xfee01000, 0x4) reaches 0xfee01000, which is neither RAM nor MMIO: RAM is [0, 0x100000) and MMIO ' +
        "is [0xfee00000, 0xfee01000) 'lapic'.",
    );
  });
});

describe('snapshot and restore', () => {
  test('restore puts back pages and attributes and drops pages touched since', () => {
    const mem = new GuestMemory({ size: 0x100000, defaultEncrypted: true });
    mem.write32(0x1000, 0x11111111);
    mem.setEncrypted(0x2000, 0x1000, false);
    mem.reserve(0x9f000, 0x1000, 'ovmf');
    const snap = mem.snapshot();

    mem.write32(0x1000, 0x22222222);
    mem.write32(0x5000, 0x33333333);
    mem.setEncrypted(0x2000, 0x1000, true);
    mem.reserve(0x80000, 0x1000, 'kernel');
    mem.restore(snap);

    expect(mem.touchedPages()).toBe(1);
    expect(mem.read32(0x1000)).toBe(0x11111111);
    expect(mem.read64(0x1000)).toBe(0x11111111n);
    mem.write64(0x1008, 0x0102030405060708n);
    expect(mem.ramPage(1, false)![8]).toBe(0x08);
    expect(mem.read32(0x5000)).toBe(0);
    expect(mem.isEncrypted(0x2000)).toBe(false);
    expect(mem.isEncrypted(0x3000)).toBe(true);
    expect(mem.reservedRanges()).toEqual([{ base: 0x9f000, length: 0x1000, owner: 'ovmf' }]);
  });

  test('a snapshot is a copy: later writes do not reach it and it restores twice', () => {
    const mem = new GuestMemory({ size: 0x10000 });
    mem.write8(0x10, 1);
    const snap = mem.snapshot();
    mem.ramPage(0, false)![0x10] = 2;
    mem.restore(snap);
    mem.write8(0x10, 3);
    mem.restore(snap);
    expect(mem.read8(0x10)).toBe(1);
  });

  test('a page held across a restore stays the live page; a page the snapshot lacks reads zero', () => {
    const mem = new GuestMemory({ size: 0x10000 });
    mem.write8(0x1010, 1);
    const snap = mem.snapshot();
    const held = mem.ramPage(1, true)!;
    const later = mem.ramPage(2, true)!;
    held[0x10] = 2;
    later[0] = 7;
    mem.restore(snap);
    expect(held[0x10]).toBe(1);
    held[0x10] = 5;
    expect(mem.read8(0x1010)).toBe(5);
    expect(mem.ramPage(1, false)).toBe(held);
    // Frame 2 is gone again (sparse as at the snapshot); its old array no longer shows the 7.
    expect(mem.ramPage(2, false)).toBeUndefined();
    expect(later[0]).toBe(0);
  });

  test('a snapshot of a different size is refused', () => {
    const snap = new GuestMemory({ size: 0x10000 }).snapshot();
    expect(() => new GuestMemory({ size: 0x20000 }).restore(snap)).toThrow(
      'The snapshot is of 0x10000 bytes of memory and this memory has 0x20000',
    );
  });
});
