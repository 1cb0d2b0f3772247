/** REPL commands and scenario steps of the MMIO plugin: the platform devices' state, on request. */
import { CommandError, type Machine, type PluginCommand, type PluginStep } from '../../core/index.ts';
import { decompressorStatus, startDecompressor } from './decompressor.ts';

function vgaOf(machine: Machine) {
  const vga = machine.devices.vga;
  if (!vga) throw new CommandError('this machine has no VGA text buffer: build it with devices.vga on');
  return vga;
}

/** The screen without the blank lines at its end. */
export const screenText = (machine: Machine): string => vgaOf(machine).render().replace(/\n+$/, '');

export const vgaCommand: PluginCommand = {
  name: 'vga',
  summary: 'show the VGA text screen (0xB8000) as text',
  usage: 'vga\n  Prints the 80x25 text screen, trailing blank lines left out. Example: vga',
  run: (args, machine) => {
    if (args.length > 0)
      throw new CommandError(`vga takes no arguments, got '${args.join(' ')}'; example: vga`);
    return screenText(machine);
  },
};

export const serialCommand: PluginCommand = {
  name: 'serial',
  summary: 'show everything the guest sent to COM1',
  usage: 'serial\n  Prints the COM1 output so far. Example: serial',
  run: (args, machine) => {
    if (args.length > 0)
      throw new CommandError(`serial takes no arguments, got '${args.join(' ')}'; example: serial`);
    const uart = machine.devices.uart;
    if (!uart) throw new CommandError('this machine has no COM1: build it with devices.com1 on');
    return uart.output();
  },
};

export const regfileCommand: PluginCommand = {
  name: 'regfile',
  summary: 'list the accesses the register-file test device recorded',
  usage: 'regfile\n  One line per access: op, offset, size, value. Example: regfile',
  run: (args, machine) => {
    if (args.length > 0)
      throw new CommandError(`regfile takes no arguments, got '${args.join(' ')}'; example: regfile`);
    const regfile = machine.devices.regfile;
    if (!regfile)
      throw new CommandError('this machine has no register file: give devices.regfile { base, size }');
    return regfile.log
      .map((a) => `${a.op.padEnd(5)} +0x${a.offset.toString(16)} ${a.size} 0x${a.value.toString(16)}`)
      .join('\n');
  },
};

export const decompressorCommand: PluginCommand = {
  name: 'decompressor',
  summary: "load the kexec'ed decompressor image and start it on the BSP",
  usage:
    'decompressor start\n  Loads asm/decompressor.S at 0x10000 and points the BSP at startup_16. Example: decompressor start',
  run: (args, machine) => {
    if (args.length !== 1 || args[0] !== 'start')
      throw new CommandError(
        `decompressor takes 'start', got '${args.join(' ')}'; example: decompressor start`,
      );
    try {
      startDecompressor(machine);
    } catch (e) {
      throw new CommandError(e instanceof Error ? e.message : String(e));
    }
    return `decompressor loaded; BSP at startup_16 (status ${decompressorStatus(machine)})`;
  },
};

/** `vga-shows: TEXT`: the screen contains TEXT. */
export const vgaShowsStep: PluginStep<string> = {
  kind: 'vga-shows',
  summary: 'expect the VGA text screen to contain a text',
  schema: { type: 'string', minLength: 1 },
  parse: (value, path) => {
    if (typeof value !== 'string' || value === '')
      throw new CommandError(
        `${path}: vga-shows takes the text to find, e.g. vga-shows: "Booting the kernel."`,
      );
    return value;
  },
  run: (text, machine) => {
    const screen = screenText(machine);
    return screen.includes(text)
      ? { ok: true }
      : { ok: false, expected: `screen shows ${JSON.stringify(text)}`, actual: screen };
  },
};

/** `decompressor-start: true`: load the image and point the BSP at it. */
export const decompressorStartStep: PluginStep<true> = {
  kind: 'decompressor-start',
  summary: "load the kexec'ed decompressor image and start it on the BSP from real mode",
  schema: { const: true },
  parse: (value, path) => {
    if (value !== true)
      throw new CommandError(`${path}: decompressor-start takes true, e.g. decompressor-start: true`);
    return true;
  },
  run: (_v, machine) => {
    startDecompressor(machine);
    return { ok: true };
  },
};
