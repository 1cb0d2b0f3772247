/** The mmio plugin's registration, commands, steps and options. */
import { describe, expect, test } from 'bun:test';
import { CommandError, Machine, machineConfig, PluginError, SVM_EXIT } from '../../../core/index.ts';
import { builtinPlugins } from '../../../plugins/index.ts';
import { mmioPlugin } from '../../../plugins/mmio/index.ts';

/** The machine size a scenario's steps are parsed against. */
const SIZE = { memory: 256 * 2 ** 20, vcpus: 4 };

const machine = (devices = {}) => new Machine(machineConfig({ vcpus: 1, memory: 64 * 2 ** 20, devices }));

describe('the mmio plugin', () => {
  test('is the built-in plugin named mmio and adds the NPF #VC row, commands and steps', () => {
    expect(builtinPlugins.mmio).toBe(mmioPlugin);
    const m = machine();
    expect(m.kernel.knowsVc(SVM_EXIT.NPF)).toBe(false);
    m.plugins.use(mmioPlugin);
    expect(m.kernel.knowsVc(SVM_EXIT.NPF)).toBe(true);
    expect([...m.plugins.commands.keys()].sort()).toEqual(['decompressor', 'regfile', 'serial', 'vga']);
    expect([...m.plugins.steps.keys()].sort()).toEqual(['decompressor-start', 'vga-shows']);
  });

  test('setup twice leaves one set of registrations; emulate: false adds no #VC row', () => {
    const m = machine();
    m.plugins.use(mmioPlugin);
    m.plugins.use(mmioPlugin);
    expect(m.kernel.knowsVc(SVM_EXIT.NPF)).toBe(true);
    m.plugins.use(mmioPlugin, { emulate: false });
    expect(m.kernel.knowsVc(SVM_EXIT.NPF)).toBe(false);
    expect(m.plugins.commands.has('vga')).toBe(true);
  });

  test('a bad option is refused with the option named', () => {
    expect(() => machine().plugins.use(mmioPlugin, { emulate: 'yes' as never })).toThrow(
      new PluginError('plugin mmio failed in setup: option emulate is "yes": give true or false'),
    );
  });
});

describe('commands', () => {
  const run = (m: Machine, line: string) => {
    const [name, ...args] = line.split(' ');
    return m.plugins.commands.get(name!)!.run(args, m);
  };

  test('vga prints the screen, serial the COM1 output, regfile the accesses', () => {
    const m = machine({ regfile: { base: 0x0800_0000, size: 16 } });
    m.plugins.use(mmioPlugin);
    m.memory.write(0xb8000 + 160, new TextEncoder().encode('o\x07k\x07'));
    m.devices.uart!.write(0x3f8, 1, 0x41);
    m.memory.write(0x0800_0004, Uint8Array.of(1, 2));
    m.memory.read(0x0800_0004, 2);
    expect(run(m, 'vga')).toBe('\nok');
    expect(run(m, 'serial')).toBe('A');
    expect(run(m, 'regfile')).toBe('write +0x4 2 0x201\nread  +0x4 2 0x201');
  });

  test('bad arguments and missing devices are command errors', () => {
    const m = machine({ vga: false });
    m.plugins.use(mmioPlugin);
    expect(() => run(m, 'vga now')).toThrow(
      new CommandError("vga takes no arguments, got 'now'; example: vga"),
    );
    expect(() => run(m, 'vga')).toThrow(
      new CommandError('this machine has no VGA text buffer: build it with devices.vga on'),
    );
    expect(() => run(m, 'regfile')).toThrow(
      new CommandError('this machine has no register file: give devices.regfile { base, size }'),
    );
    expect(() => run(m, 'decompressor go')).toThrow(
      new CommandError("decompressor takes 'start', got 'go'; example: decompressor start"),
    );
  });

  test('decompressor start loads the image and points the BSP at startup_16 in real mode', () => {
    const m = machine();
    m.plugins.use(mmioPlugin);
    expect(run(m, 'decompressor start')).toBe('decompressor loaded; BSP at startup_16 (status 0)');
    const cpu = m.vcpu(0).cpu;
    expect([cpu.getReg('cs'), cpu.getReg('rip'), cpu.mode()]).toEqual([0x1000n, 0n, 'real']);
  });
});

describe('steps', () => {
  test('vga-shows parses a non-empty text and compares it with the screen', () => {
    const m = machine();
    m.plugins.use(mmioPlugin);
    const step = m.plugins.steps.get('vga-shows')!;
    expect(() => step.parse(3, 'steps[0].vga-shows', SIZE)).toThrow(
      new CommandError(
        'steps[0].vga-shows: vga-shows takes the text to find, e.g. vga-shows: "Booting the kernel."',
      ),
    );
    m.memory.write(0xb8000, new TextEncoder().encode('h\x07i\x07'));
    expect(step.run(step.parse('hi', 'x', SIZE), m, { baseDir: '.', outDir: null })).toEqual({ ok: true });
    expect(step.run(step.parse('bye', 'x', SIZE), m, { baseDir: '.', outDir: null })).toEqual({
      ok: false,
      expected: 'screen shows "bye"',
      actual: 'hi',
    });
  });
});
