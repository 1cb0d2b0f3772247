import { describe, expect, test } from 'bun:test';
import {
  type AccessLog,
  DEBUG_EXIT_PORT,
  DebugExit,
  PortBus,
  type PortSize,
} from '../../core/devices/index.ts';

function machine(iosize = 1, log?: AccessLog<number>) {
  const exits: number[] = [];
  const dev = new DebugExit({ onExit: (s) => exits.push(s), iosize, ...(log ? { log } : {}) });
  const bus = new PortBus();
  bus.add(dev.base, dev.count, dev);
  return { dev, bus, exits };
}

describe('isa-debug-exit', () => {
  test.each([
    [1, 0x00, 0x1],
    [1, 0x10, 0x21],
    [1, 0x1ff, 0x1ff],
    [2, 0x1234, 0x2469],
    [4, 0xffffffff, 0x1ffffffff],
  ])('a %i-byte write of %p requests exit status %p', (size, value, status) => {
    const { dev, bus, exits } = machine(4);
    bus.out(DEBUG_EXIT_PORT, size as PortSize, value);
    expect(exits).toEqual([status]);
    expect(dev.status).toBe(status);
  });

  test('it sits at port 0xf4 over iosize ports; reads return 0', () => {
    const { bus, exits } = machine(2);
    expect(bus.in(0xf4, 1)).toBe(0);
    expect(bus.in(0xf6, 1)).toBe(0xff);
    bus.out(0xf5, 1, 3);
    bus.out(0xf6, 1, 3);
    expect(exits).toEqual([7]);
  });

  test.each([[0], [5], [1.5]])('iosize %p is refused', (iosize) => {
    expect(() => new DebugExit({ onExit: () => {}, iosize })).toThrow(
      `isa-debug-exit iosize ${iosize} is not allowed: give 1, 2, 3 or 4.`,
    );
  });

  test('the access log records the write with its offset', () => {
    const log: AccessLog<number> = [];
    const { bus } = machine(1, log);
    bus.out(0xf4, 1, 0x31);
    expect(log).toEqual([{ op: 'write', offset: 0, size: 1, value: 0x31 }]);
  });
});

describe('isa-debug-exit snapshot and restore', () => {
  test('a restore brings back the last exit status, or none, twice', () => {
    const { dev, bus } = machine();
    const before = dev.snapshot();
    bus.out(DEBUG_EXIT_PORT, 1, 0x10);
    const snap = dev.snapshot();
    bus.out(DEBUG_EXIT_PORT, 1, 0x20);
    dev.restore(snap);
    expect(dev.status).toBe(0x21);
    bus.out(DEBUG_EXIT_PORT, 1, 0x30);
    dev.restore(snap);
    expect(dev.status).toBe(0x21);
    dev.restore(before);
    expect(dev.status).toBeUndefined();
  });
});
