import { describe, expect, test } from 'bun:test';
import { type AccessLog, RegfileDevice } from '../../core/devices/index.ts';
import { GuestMemory } from '../../core/memory/index.ts';

describe('register-file device', () => {
  test('reads return what was written, little endian, at any width and offset', () => {
    const dev = new RegfileDevice({ size: 16 });
    dev.write(0, 8, 0x8877665544332211n);
    expect(dev.read(0, 8)).toBe(0x8877665544332211n);
    expect(dev.read(1, 2)).toBe(0x3322n);
    expect(dev.read(4, 4)).toBe(0x88776655n);
    expect(dev.read(8, 4)).toBe(0n);
  });

  test('every access is logged as {op, offset, size, value}', () => {
    const dev = new RegfileDevice({ size: 16 });
    dev.write(4, 4, 0xdeadbeefn);
    dev.read(5, 1);
    expect(dev.log).toEqual([
      { op: 'write', offset: 4, size: 4, value: 0xdeadbeefn },
      { op: 'read', offset: 5, size: 1, value: 0xben },
    ]);
  });

  test('bytes past its size read as all ones and writes there are dropped, but logged', () => {
    const dev = new RegfileDevice({ size: 4 });
    dev.write(2, 4, 0x44332211n);
    expect(dev.read(0, 4)).toBe(0x22110000n);
    expect(dev.read(2, 4)).toBe(0xffff2211n);
    expect(dev.log.length).toBe(3);
  });

  test('behind guest memory, a 10-byte write arrives as 8 + 2 and the log compares exactly', () => {
    const log: AccessLog = [];
    const mem = new GuestMemory({ size: 0x10000 });
    mem.addMmio(0xfed00000, 0x1000, new RegfileDevice({ size: 0x100, name: 'regs', log }));
    mem.write(0xfed00010, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(mem.read16(0xfed00018)).toBe(0x0a09);
    expect(log).toEqual([
      { op: 'write', offset: 0x10, size: 8, value: 0x0807060504030201n },
      { op: 'write', offset: 0x18, size: 2, value: 0x0a09n },
      { op: 'read', offset: 0x18, size: 2, value: 0x0a09n },
    ]);
  });
});

describe('register-file snapshot and restore', () => {
  test('a restore brings back the registers and cuts the log back in the same array, twice', () => {
    const log: AccessLog = [];
    const dev = new RegfileDevice({ size: 8, log });
    dev.write(0, 4, 0x11223344n);
    const snap = dev.snapshot();
    dev.write(0, 8, 0xffn);
    dev.read(4, 4);
    dev.restore(snap);
    expect(dev.bytes).toEqual(Uint8Array.from([0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0]));
    expect(dev.log).toBe(log);
    expect(log).toEqual([{ op: 'write', offset: 0, size: 4, value: 0x11223344n }]);
    dev.write(4, 2, 0xabcdn);
    dev.restore(snap);
    expect(dev.read(0, 8)).toBe(0x11223344n);
    expect(log).toEqual([
      { op: 'write', offset: 0, size: 4, value: 0x11223344n },
      { op: 'read', offset: 0, size: 8, value: 0x11223344n },
    ]);
  });
});
