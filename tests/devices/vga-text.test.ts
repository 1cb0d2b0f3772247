import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { type AccessLog, CP437, VGA_TEXT_BASE, VGA_TEXT_WINDOW, VgaText } from '../../core/devices/index.ts';
import { GuestMemory } from '../../core/memory/index.ts';

function screen(opts: ConstructorParameters<typeof VgaText>[0] = {}) {
  const vga = new VgaText(opts);
  const mem = new GuestMemory({ size: 0x100000 });
  mem.addMmio(VGA_TEXT_BASE, VGA_TEXT_WINDOW, vga);
  return { vga, mem };
}

/** Writes text at (row, col) as the decompressor's __putstr does: one 16-bit cell per character. */
function putstr(mem: GuestMemory, row: number, col: number, text: string, attr = 0x07): void {
  for (let i = 0; i < text.length; i++) {
    mem.write16(VGA_TEXT_BASE + (row * 80 + col + i) * 2, (attr << 8) | text.charCodeAt(i));
  }
}

describe('VGA text buffer', () => {
  test('a blank screen renders as 25 empty lines', () => {
    expect(screen().vga.render()).toBe('\n'.repeat(24));
  });

  test('characters written through guest memory render at their row and column', () => {
    const { vga, mem } = screen();
    putstr(mem, 0, 0, 'Decompressing Linux... ');
    putstr(mem, 24, 75, 'done.');
    putstr(mem, 3, 2, 'x');
    const lines = vga.render().split('\n');
    expect(lines.length).toBe(25);
    expect(lines[0]).toBe('Decompressing Linux...');
    expect(lines[3]).toBe('  x');
    expect(lines[24]).toBe(`${' '.repeat(75)}done.`);
    expect(vga.cell(24, 79)).toEqual({ char: 0x2e, attr: 0x07 });
  });

  test('the guest reads back cells it wrote, and bytes beyond the screen are kept', () => {
    const { mem } = screen();
    mem.write32(VGA_TEXT_BASE + 0x1000, 0x1f411e42);
    expect(mem.read32(VGA_TEXT_BASE + 0x1000)).toBe(0x1f411e42);
    mem.write8(VGA_TEXT_BASE + VGA_TEXT_WINDOW - 1, 0x99);
    expect(mem.read8(VGA_TEXT_BASE + VGA_TEXT_WINDOW - 1)).toBe(0x99);
  });

  test('cells beyond the 80x25 screen do not render', () => {
    const { vga, mem } = screen();
    putstr(mem, 25, 0, 'hidden');
    expect(vga.render()).toBe('\n'.repeat(24));
  });

  test('bytes are drawn in code page 437', () => {
    const { vga, mem } = screen();
    mem.write(VGA_TEXT_BASE, Uint8Array.from([0xc9, 7, 0xcd, 7, 0xbb, 7, 0x01, 7, 0x00, 7, 0x7f, 7]));
    expect(vga.render().split('\n')[0]).toBe('╔═╗☺ ⌂');
  });

  test('the CP437 table agrees with iconv for 0x20-0x7e and 0x80-0xff', () => {
    const bytes = Uint8Array.from(
      [...Array(0x5f).keys()].map((i) => 0x20 + i).concat([...Array(0x80).keys()].map((i) => 0x80 + i)),
    );
    const iconv = spawnSync('iconv', ['-f', 'CP437', '-t', 'UTF-8'], { input: bytes });
    expect(iconv.status).toBe(0);
    expect(CP437.slice(0x20, 0x7f).join('') + CP437.slice(0x80).join('')).toBe(iconv.stdout.toString('utf8'));
  });

  test('an access past the window reads as all ones and a write there is dropped', () => {
    const vga = new VgaText();
    vga.write(VGA_TEXT_WINDOW - 1, 2, 0xaabbn);
    expect(vga.read(VGA_TEXT_WINDOW - 1, 2)).toBe(0xffbbn);
  });

  test('the access log records MMIO accesses with offsets in the window', () => {
    const log: AccessLog = [];
    const { mem } = screen({ log });
    mem.write16(VGA_TEXT_BASE + 0xa0, 0x0741);
    mem.read8(VGA_TEXT_BASE + 0xa0);
    expect(log).toEqual([
      { op: 'write', offset: 0xa0, size: 2, value: 0x0741n },
      { op: 'read', offset: 0xa0, size: 1, value: 0x41n },
    ]);
  });
});

describe('VGA text snapshot and restore', () => {
  test('a restore brings back the screen and the pages beyond it, and works twice', () => {
    const { vga, mem } = screen();
    putstr(mem, 0, 0, 'HI');
    mem.write32(VGA_TEXT_BASE + 0x4000, 0x12345678);
    const snap = vga.snapshot();
    putstr(mem, 0, 0, 'XYZ');
    putstr(mem, 24, 0, 'later');
    mem.write32(VGA_TEXT_BASE + 0x4000, 0);
    vga.restore(snap);
    expect(vga.render()).toBe(`HI${'\n'.repeat(24)}`);
    expect(vga.cell(0, 1)).toEqual({ char: 0x49, attr: 0x07 });
    expect(mem.read32(VGA_TEXT_BASE + 0x4000)).toBe(0x12345678);
    putstr(mem, 0, 0, 'again');
    vga.restore(snap);
    expect(vga.render()).toBe(`HI${'\n'.repeat(24)}`);
  });
});
