// Machine.snapshot / restore keep the platform devices' state (core/platform-devices.ts): what COM1
// sent, its unfinished line, and the VGA text screen.
import { describe, expect, test } from 'bun:test';
import { COM1, Machine, machineConfig, VGA_TEXT_BASE } from '../../core/index.ts';

const send = (m: Machine, text: string) => {
  for (const c of text) m.ports.out(COM1, 1, c.charCodeAt(0));
};
const putstr = (m: Machine, row: number, text: string) => {
  for (let i = 0; i < text.length; i++)
    m.memory.write16(VGA_TEXT_BASE + (row * 80 + i) * 2, 0x0700 | text.charCodeAt(i));
};
const com1Lines = (m: Machine) =>
  m.log.events.flatMap((e) => (e.kind === 'device' && e.device === 'com1' ? [e.message] : []));

describe('platform devices across a machine snapshot', () => {
  test('a restore brings back the COM1 output, its half line and the VGA text, twice', () => {
    const m = new Machine(machineConfig({ vcpus: 1 }));
    send(m, 'boot\r\nhal');
    putstr(m, 0, 'HI');
    const snap = m.snapshot();
    send(m, 'f\npanic');
    putstr(m, 0, 'XYZ');
    putstr(m, 1, 'late');
    m.restore(snap);
    expect(m.devices.uart!.output()).toBe('boot\r\nhal');
    expect(m.devices.vga!.render().split('\n').slice(0, 2)).toEqual(['HI', '']);
    send(m, 't\n');
    expect(com1Lines(m)).toEqual(['boot', 'half', 'halt']);
    m.restore(snap);
    expect(m.devices.uart!.output()).toBe('boot\r\nhal');
    expect(m.devices.vga!.render().split('\n').slice(0, 2)).toEqual(['HI', '']);
  });
});
