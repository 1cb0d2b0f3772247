import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecodeCache } from '../../core/index.ts';
import { AP_JUMP_TABLE_SYMBOLS as SYM } from '../../plugins/jump-table/ap_jump_table.symbols.ts';
import { rig } from './helpers/asm.ts';

/**
 * The shipped AP jump-table blob (plugins/jump-table/ap_jump_table.bin, built from
 * ap_jump_table.S by scripts/build-asm.ts) executed instruction by instruction: 16-bit protected mode
 * with segment bases at the page, LGDTL, the AP reset hold MSR protocol around VMGEXIT, the patch of
 * its own far-jump operand, CR0.PE = 0 and the far jump into real mode.
 */
const BLOB = new Uint8Array(
  readFileSync(join(import.meta.dir, '../../plugins/jump-table/ap_jump_table.bin')),
);
const PAGE = 0x20_0000;
/** Where the "new kernel" trampoline lives: 0900:0000. */
const TRAMPOLINE = 0x9000;

/** A legacy descriptor (the kernel's GDT_ENTRY(flags, base, limit) with 16-bit flags). */
function descriptor(access: number, base: number, limit: number): Uint8Array {
  const d = new Uint8Array(8);
  const v = new DataView(d.buffer);
  v.setUint16(0, limit & 0xffff, true);
  v.setUint16(2, base & 0xffff, true);
  d[4] = (base >>> 16) & 0xff;
  d[5] = access;
  d[6] = (limit >>> 16) & 0xf;
  d[7] = (base >>> 24) & 0xff;
  return d;
}

function installed(compiled = false) {
  const decodeCache = new DecodeCache();
  decodeCache.compileAfter = compiled ? 0 : Number.POSITIVE_INFINITY;
  const r = rig({ sevEs: true, decodeCache });
  const page = BLOB.slice();
  page.set(descriptor(0x9b, PAGE, 0xffff), SYM.ap_jumptable_gdt + 8);
  page.set(descriptor(0x93, PAGE, 0xffff), SYM.ap_jumptable_gdt + 16);
  const v = new DataView(page.buffer);
  v.setUint32(SYM.ap_jumptable_gdt + 2, v.getUint32(SYM.ap_jumptable_gdt + 2, true) + PAGE, true);
  v.setUint16(0, 0x0000, true); // reset IP
  v.setUint16(2, TRAMPOLINE >> 4, true); // reset CS
  r.memory.write(PAGE, page);
  // The trampoline: mov $0x4321, %ax; mov %cs, %bx; hlt
  r.memory.write(TRAMPOLINE, Uint8Array.of(0xb8, 0x21, 0x43, 0x8c, 0xcb, 0xf4));
  // As sev_ap_park.S leaves the AP: 16-bit protected mode, CS/DS/SS based at the page.
  const c = r.cpu;
  c.setReg('cr0', 0x11n);
  c.setSegment('cs', { selector: 0x08, base: BigInt(PAGE), limit: 0xffff, attributes: 0x9b });
  c.setSegment('ds', { selector: 0x10, base: BigInt(PAGE), limit: 0xffff, attributes: 0x93 });
  c.setSegment('ss', { selector: 0x10, base: BigInt(PAGE), limit: 0xffff, attributes: 0x93 });
  c.setReg('rip', BigInt(SYM.ap_park));
  c.setReg('rsp', 0x5555_0000_1234_0000n);
  return r;
}

describe('AP jump-table blob', () => {
  test('parks with the AP reset hold request and VMGEXIT, RIP past the VMGEXIT', () => {
    const r = installed();
    expect(r.cpu.mode()).toBe('protected16');
    const stop = r.cpu.run({ maxInstructions: 100 });
    expect(stop).toEqual({ kind: 'vmgexit' });
    expect(r.cpu.ghcbMsr).toBe(0x006n);
    expect(r.cpu.getReg('ip')).toBe(BigInt(SYM.ap_park_hold + 21));
    expect(r.cpu.getReg('esp')).toBe(0x1000n);
    expect(r.cpu.getSegment('ds')).toEqual({
      selector: 0x10,
      base: BigInt(PAGE),
      limit: 0xffff,
      attributes: 0x93,
    });
    expect(r.cpu.gdtr).toEqual({ base: BigInt(PAGE + SYM.ap_jumptable_gdt), limit: 0x1f });
  });

  test('a response without a SIPI (result 0) holds again', () => {
    const r = installed();
    r.cpu.run({ maxInstructions: 100 });
    r.cpu.ghcbMsr = 0x007n;
    expect(r.cpu.run({ maxInstructions: 100 })).toEqual({ kind: 'vmgexit' });
    expect(r.cpu.ghcbMsr).toBe(0x006n);
  });

  test.each([
    ['pre-bound closures', false],
    ['compiled blocks', true],
  ])('woken, it patches its far jump and enters real mode at the reset vector (%s)', (_path, compiled) => {
    const r = installed(compiled);
    r.cpu.run({ maxInstructions: 100 });
    r.cpu.ghcbMsr = (1n << 12n) | 0x007n;
    const stop = r.cpu.run({ maxInstructions: 100 });
    expect(stop).toEqual({ kind: 'hlt' });
    expect(r.cpu.mode()).toBe('real');
    expect(r.memory.read32(PAGE + SYM.jump_target)).toBe((TRAMPOLINE >> 4) << 16);
    expect(r.cpu.getReg('cs')).toBe(BigInt(TRAMPOLINE >> 4));
    expect(r.cpu.getSegment('cs').base).toBe(BigInt(TRAMPOLINE));
    expect(r.cpu.getReg('ip')).toBe(6n);
    expect(r.cpu.getReg('ax')).toBe(0x4321n);
    expect(r.cpu.getReg('bx')).toBe(BigInt(TRAMPOLINE >> 4));
    expect(r.cpu.getReg('cr0')).toBe(0x60000010n);
    expect(r.cpu.getReg('eflags')).toBe(0x2n);
    expect(r.cpu.getReg('esp')).toBe(0n);
    expect(r.cpu.getSegment('ss')).toEqual({ selector: 0x18, base: 0n, limit: 0xffff, attributes: 0x93 });
  });

  test('the patch reaches the decoded-instruction cache: a second wake-up jumps to the new vector', () => {
    const r = installed();
    r.cpu.run({ maxInstructions: 100 });
    r.cpu.ghcbMsr = (1n << 12n) | 0x007n;
    r.cpu.run({ maxInstructions: 100 });
    // Park the same vCPU again through the same (cached) code with another reset vector.
    r.memory.write(PAGE, Uint8Array.of(0x00, 0x00, 0x00, 0x0a));
    r.memory.write(0xa000, Uint8Array.of(0xb8, 0x99, 0x99, 0xf4)); // mov $0x9999, %ax; hlt
    r.cpu.reset();
    r.cpu.setReg('cr0', 0x11n);
    r.cpu.setSegment('cs', { selector: 0x08, base: BigInt(PAGE), limit: 0xffff, attributes: 0x9b });
    r.cpu.setSegment('ds', { selector: 0x10, base: BigInt(PAGE), limit: 0xffff, attributes: 0x93 });
    r.cpu.setSegment('ss', { selector: 0x10, base: BigInt(PAGE), limit: 0xffff, attributes: 0x93 });
    r.cpu.setReg('rip', BigInt(SYM.ap_park));
    expect(r.cpu.run({ maxInstructions: 100 })).toEqual({ kind: 'vmgexit' });
    r.cpu.ghcbMsr = (1n << 12n) | 0x007n;
    expect(r.cpu.run({ maxInstructions: 100 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('cs')).toBe(0xa00n);
    expect(r.cpu.getReg('ax')).toBe(0x9999n);
  });
});
