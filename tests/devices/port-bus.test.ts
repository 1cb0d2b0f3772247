import { describe, expect, test } from 'bun:test';
import { DeviceError, PortBus, type PortDevice, type PortSize } from '../../core/devices/index.ts';

class EchoPorts implements PortDevice {
  readonly calls: string[] = [];
  constructor(readonly name: string) {}
  read(port: number, size: PortSize): number {
    this.calls.push(`in ${port.toString(16)} ${size}`);
    return 0x12345678;
  }
  write(port: number, size: PortSize, value: number): void {
    this.calls.push(`out ${port.toString(16)} ${size} ${value.toString(16)}`);
  }
}

describe('PortBus', () => {
  test.each([
    [1, 0xff],
    [2, 0xffff],
    [4, 0xffffffff],
  ] as const)('an unclaimed port reads as all ones at size %i', (size, expected) => {
    expect(new PortBus().in(0x80, size)).toBe(expected);
  });

  test('a write to an unclaimed port is dropped', () => {
    expect(() => new PortBus().out(0x80, 1, 0x55)).not.toThrow();
  });

  test('accesses reach the owning device with the absolute port, results masked to the size', () => {
    const bus = new PortBus();
    const dev = new EchoPorts('echo');
    bus.add(0x3f8, 8, dev);
    expect(bus.in(0x3fa, 1)).toBe(0x78);
    expect(bus.in(0x3ff, 2)).toBe(0x5678);
    expect(bus.in(0x3f8, 4)).toBe(0x12345678);
    bus.out(0x3f9, 1, 0x1ab);
    bus.out(0x3f8, 4, -1);
    expect(bus.in(0x400, 1)).toBe(0xff);
    expect(bus.deviceAt(0x3fc)).toBe(dev);
    expect(bus.deviceAt(0x3f7)).toBeUndefined();
    expect(dev.calls).toEqual(['in 3fa 1', 'in 3ff 2', 'in 3f8 4', 'out 3f9 1 ab', 'out 3f8 4 ffffffff']);
  });

  test('overlapping port ranges are refused naming both devices', () => {
    const bus = new PortBus();
    bus.add(0x3f8, 8, new EchoPorts('com1'));
    expect(() => bus.add(0x3ff, 2, new EchoPorts('other'))).toThrow(
      "Ports 0x3ff-0x400 for 'other' overlap 'com1' at 0x3f8-0x3ff: port ranges may not overlap.",
    );
  });

  test.each([
    [0xffff, 2],
    [-1, 1],
    [0x10, 0],
  ])('a range at %p of %p ports is refused', (base, count) => {
    expect(() => new PortBus().add(base, count, new EchoPorts('x'))).toThrow(DeviceError);
  });

  test.each([
    [0x10000, 1],
    [0x80, 3],
    [1.5, 1],
  ])('an access at %p of size %p is refused', (port, size) => {
    expect(() => new PortBus().in(port, size as PortSize)).toThrow(
      'ports are 0x0-0xffff and sizes 1, 2 or 4.',
    );
  });
});

describe('PortBus removal', () => {
  test('the undo returned by add unmaps the range, and the ports can be mapped again', () => {
    const bus = new PortBus();
    const undo = bus.add(0x3f8, 8, new EchoPorts('com1'));
    undo();
    expect(bus.in(0x3f8, 1)).toBe(0xff);
    expect(bus.deviceAt(0x3ff)).toBeUndefined();
    const again = new EchoPorts('again');
    bus.add(0x3f8, 8, again);
    expect(bus.deviceAt(0x3f8)).toBe(again);
  });

  test('remove reports whether a range started at the base', () => {
    const bus = new PortBus();
    bus.add(0x60, 1, new EchoPorts('kbd'));
    expect(bus.remove(0x61)).toBe(false);
    expect(bus.remove(0x60)).toBe(true);
    expect(bus.remove(0x60)).toBe(false);
  });
});
