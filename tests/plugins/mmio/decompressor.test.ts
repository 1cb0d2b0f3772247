/**
 * The seed's decompressor case: a kexec'ed image whose early boot code prints to COM1 and to the VGA
 * text buffer at 0xB8000. With the MMIO plugin the text appears and boot goes on; with only the early
 * #VC handlers (IOIO, CPUID, ...) the first VGA store ends the guest, as the unpatched kernel did.
 */
import { describe, expect, test } from 'bun:test';
import { type LoggedEvent, Machine, machineConfig } from '../../../core/index.ts';
import {
  DECOMPRESSOR_STATUS,
  DECOMPRESSOR_SYMBOLS,
  decompressorStatus,
  mmioPlugin,
  screenText,
  startDecompressor,
} from '../../../plugins/mmio/index.ts';

function boot(withPlugin: boolean, before?: (m: Machine) => void) {
  const m = new Machine(machineConfig({ vcpus: 1, memory: 64 * 2 ** 20, sev: 'es' }));
  if (withPlugin) m.plugins.use(mmioPlugin);
  m.boot();
  startDecompressor(m);
  before?.(m);
  const stop = m.run({ maxInstructions: 2_000_000 });
  return { m, stop };
}

const of = <K extends LoggedEvent['kind']>(m: Machine, kind: K) =>
  m.log.events.filter((e) => e.kind === kind) as Extract<LoggedEvent, { kind: K }>[];

describe('the decompressor under SEV-ES with the MMIO plugin', () => {
  const { m, stop } = boot(true);

  test('prints on the VGA text screen and boot goes on to the kernel', () => {
    expect(stop).toEqual({ kind: 'idle' });
    expect(m.terminated).toBe(false);
    expect(decompressorStatus(m)).toBe(DECOMPRESSOR_STATUS.booted);
    expect(m.vcpu(0).state).toBe('halted');
    expect(m.vcpu(0).cpu.getReg('rip')).toBe(BigInt(DECOMPRESSOR_SYMBOLS.boot_done + 1));
    expect(screenText(m)).toBe('\nDecompressing Linux... Parsing ELF... done.\nBooting the kernel.');
  });

  test('the serial console lines are device events, in order', () => {
    expect(of(m, 'device').map((e) => `${e.device}: ${e.message}`)).toEqual([
      'com1: ',
      'com1: Decompressing Linux... Parsing ELF... done.',
      'com1: Booting the kernel.',
    ]);
  });

  test('each character on screen was one MMIO write #VC of one byte', () => {
    const chars = 'Decompressing Linux... Parsing ELF... done.Booting the kernel.'.length;
    const writes = of(m, 'vmgexit').filter((e) => e.name === 'SVM_VMGEXIT_MMIO_WRITE');
    expect(writes.length).toBe(chars);
    expect(writes[0]).toMatchObject({ exitInfo1: '0xb80a0', exitInfo2: '0x1' });
    expect(of(m, 'vc-result').every((e) => e.result === 'ES_OK')).toBe(true);
  });
});

describe('the decompressor under SEV-ES without the MMIO plugin', () => {
  const { m, stop } = boot(false);

  test('the first VGA store ends the guest: unsupported #VC, termination request (set 0, code 0)', () => {
    expect(stop).toEqual({ kind: 'terminated', reason: 'general request' });
    expect(of(m, 'vc-result').at(-1)).toMatchObject({
      name: 'SVM_EXIT_NPF',
      result: 'ES_UNSUPPORTED: Unsupported exit-code 0x400 in #VC exception',
    });
    expect(of(m, 'terminate')).toMatchObject([{ set: 0, code: 0, via: 'GHCB_MSR_TERM_REQ' }]);
    expect(decompressorStatus(m)).toBe(DECOMPRESSOR_STATUS.started);
  });

  test('the serial output (IOIO #VC) got through; the screen stayed empty', () => {
    expect(m.devices.uart!.output()).toBe('\r\nDecompressing Linux... ');
    expect(screenText(m)).toBe('');
  });
});

describe('the decompressor on a plain VM', () => {
  test('prints the same screen without any #VC', () => {
    const m = new Machine(machineConfig({ vcpus: 1, memory: 64 * 2 ** 20, sev: 'none' }));
    startDecompressor(m);
    expect(m.run({ maxInstructions: 2_000_000 })).toEqual({ kind: 'idle' });
    expect(of(m, 'vc')).toEqual([]);
    expect(screenText(m)).toBe('\nDecompressing Linux... Parsing ELF... done.\nBooting the kernel.');
  });
});

describe('scrolling: REP MOVSQ from MMIO to MMIO', () => {
  test('starting on the last line, the screen scrolls three times and keeps earlier text', () => {
    const { m, stop } = boot(true, (m) => {
      m.memory.write8(DECOMPRESSOR_SYMBOLS.screen_info_orig_y, 24);
      m.memory.write(0xb8000 + 5 * 160, new TextEncoder().encode('e\x07a\x07r\x07l\x07y\x07'));
    });
    expect(stop).toEqual({ kind: 'idle' });
    const lines = m.devices.vga!.render().split('\n');
    expect(lines[2]).toBe('early');
    expect(lines.slice(22)).toEqual([
      'Decompressing Linux... Parsing ELF... done.',
      'Booting the kernel.',
      '',
    ]);
    // 3 scrolls x 480 quadwords, each element a #VC whose read and write are both nested MMIO #VCs.
    const movs = of(m, 'log').filter((e) => e.message.startsWith('nested #VC'));
    expect(movs.length).toBe(3 * 480 * 2);
  });
});
