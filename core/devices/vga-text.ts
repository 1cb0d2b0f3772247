/**
 * The VGA text buffer: the CGA-compatible window at 0xB8000 (0x8000 bytes on PCs), whose first
 * 80 x 25 cells of (character, attribute) are the visible screen in mode 3. The kernel's decompressor
 * writes here (arch/x86/boot/compressed/misc.c __putstr), which under SEV-ES is MMIO and raises #VC.
 * Accesses past the window read as all ones and are dropped.
 */
import type { AccessLog } from './access-log.ts';
import { CP437 } from './cp437.ts';
import type { MmioDevice } from './mmio-device.ts';

export const VGA_TEXT_BASE = 0xb8000;
export const VGA_TEXT_WINDOW = 0x8000;
export const VGA_COLUMNS = 80;
export const VGA_ROWS = 25;
/** Bytes of the visible screen: two per cell. */
export const VGA_SCREEN_BYTES = VGA_COLUMNS * VGA_ROWS * 2;

/** What a snapshot keeps: a copy of the whole window. */
interface VgaTextState {
  readonly vram: Uint8Array;
}

export interface VgaTextOptions {
  name?: string;
  log?: AccessLog;
}

export class VgaText implements MmioDevice {
  readonly name: string;
  private readonly log: AccessLog | undefined;
  /** The whole window: pages beyond the first screen are kept, as the hardware keeps them. */
  private readonly vram = new Uint8Array(VGA_TEXT_WINDOW);

  constructor(opts: VgaTextOptions = {}) {
    this.name = opts.name ?? 'vga-text';
    this.log = opts.log;
  }

  read(offset: number, size: number): bigint {
    let value = 0n;
    for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.vram[offset + i] ?? 0xff);
    this.log?.push({ op: 'read', offset, size, value });
    return value;
  }

  write(offset: number, size: number, value: bigint): void {
    this.log?.push({ op: 'write', offset, size, value });
    for (let i = 0; i < size && offset + i < VGA_TEXT_WINDOW; i++) {
      this.vram[offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
    }
  }

  snapshot(): unknown {
    return { vram: this.vram.slice() } satisfies VgaTextState;
  }

  restore(saved: unknown): void {
    this.vram.set((saved as VgaTextState).vram);
  }

  /** The cell at (row, column): character byte and attribute byte. */
  cell(row: number, column: number): { char: number; attr: number } {
    const at = (row * VGA_COLUMNS + column) * 2;
    return { char: this.vram[at]!, attr: this.vram[at + 1]! };
  }

  /** The screen as 25 lines of text in the CP437 glyphs, trailing spaces trimmed. */
  render(): string {
    const lines: string[] = [];
    for (let row = 0; row < VGA_ROWS; row++) {
      let line = '';
      for (let col = 0; col < VGA_COLUMNS; col++) line += CP437[this.vram[(row * VGA_COLUMNS + col) * 2]!];
      lines.push(line.replace(/ +$/, ''));
    }
    return lines.join('\n');
  }
}
