import { describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fails, loadProgram, newSession, ok } from '../helpers.ts';

describe('examining memory', () => {
  test('set u32 then x/4xw reads it back through the vCPU (real mode: virtual = physical)', async () => {
    const s = newSession();
    expect(await ok(s, 'set u32 0x1000 = 0xdeadbeef')).toBe('0x1000 <- 0xdeadbeef');
    expect(await ok(s, 'x/4xw 0x1000')).toBe('0x00001000: 0xdeadbeef 0x00000000 0x00000000 0x00000000');
    expect(await ok(s, 'xp/6xb 0x1000')).toBe('0x00001000: 0xef 0xbe 0xad 0xde 0x00 0x00');
    expect(await ok(s, 'x/xg 0x1000')).toBe('0x00001000: 0x00000000deadbeef');
    expect(await ok(s, 'x/2xh 0x1002')).toBe('0x00001002: 0xdead 0x0000');
    expect(s.memoryView).toEqual({ space: 'virtual', address: 0x1002n });
  });

  test('formats d, u and c, and a count that spans lines', async () => {
    const s = newSession();
    await ok(s, 'set u16 0x2000 = -2');
    expect(await ok(s, 'x/1dh 0x2000')).toBe('0x00002000: -2');
    expect(await ok(s, 'x/1uh 0x2000')).toBe('0x00002000: 65534');
    await ok(s, 'wx 48 69 0a 00 @ 0x3000');
    expect(await ok(s, 'x/4c 0x3000')).toBe("0x00003000: 72 'H' 105 'i' 10 '\\n' 0 '\\0'");
    expect(await ok(s, 'x/5xw 0x3000')).toBe(
      '0x00003000: 0x000a6948 0x00000000 0x00000000 0x00000000\n0x00003010: 0x00000000',
    );
  });

  test('x/i disassembles at the code size of the selected vCPU', async () => {
    const s = newSession();
    await loadProgram(s);
    expect(await ok(s, 'x/4i $pc')).toBe(
      [
        '0x00007c00: b8 34 12                mov ax, 0x1234',
        '0x00007c03: 40                      inc ax',
        '0x00007c04: 40                      inc ax',
        '0x00007c05: f4                      hlt',
      ].join('\n'),
    );
    expect(await ok(s, 'x/1i 0:0x7c03')).toBe('0x00007c03: 40                      inc ax');
  });

  test('the hypervisor view: ciphertext on a private page, plaintext on the shared GHCB page', async () => {
    const s = newSession();
    await ok(s, 'set u64 0x5000 = 0x1122334455667788');
    const hv = (await ok(s, 'hv-view 0x5000 8')).split('\n');
    expect(hv[0]).toBe('page 0x5000: private (ciphertext)');
    expect(hv[1]).not.toContain('88 77 66 55 44 33 22 11');
    const cipher = Array.from(s.machine.memory.hvRead(0x5000, 8), (b) => b.toString(16).padStart(2, '0'));
    expect(hv[1]).toStartWith(`0x00005000  ${cipher.join(' ')}  `);
    // The BSP's GHCB page is shared: the host reads what the guest wrote.
    await ok(s, 'vmgexit hv-features');
    const ghcb = await ok(s, 'hv-view 0xfc00390 8');
    expect(ghcb).toBe(
      `page 0xfc00000: shared (plaintext)\n0x0fc00390  fd ff 00 80 00 00 00 00${' '.repeat(24)}  ........`,
    );
  });

  test('load and dump copy files in and out of guest memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sevlab-repl-'));
    const src = join(dir, 'in.bin');
    writeFileSync(src, Uint8Array.of(0xf4, 0xeb, 0xfd));
    const s = newSession();
    expect(await ok(s, `load ${src} @ 0x7c00`)).toBe(`loaded 3 bytes from ${src} at 0x7c00..0x7c03`);
    expect(await ok(s, 'xp/3xb 0x7c00')).toBe('0x00007c00: 0xf4 0xeb 0xfd');
    const out = join(dir, 'out.bin');
    expect(await ok(s, `dump 0x7bff 5 ${out}`)).toBe(`wrote 5 bytes from 0x7bff to ${out}`);
    expect([...readFileSync(out)]).toEqual([0, 0xf4, 0xeb, 0xfd, 0]);
  });

  test('mem-info names what a page is', async () => {
    const s = newSession();
    expect(await ok(s, 'mem-info 0xff00010')).toBe(
      '0xff00010: RAM, private (encrypted with the VM key)\nreserved by firmware: AP jump table (0xff00000, 0x1000 bytes)',
    );
    await ok(s, 'vmgexit hv-features');
    expect(await ok(s, 'mem-info 0xfc00000')).toBe(
      '0xfc00000: RAM, shared (plaintext to the host)\nGHCB page of cpu0',
    );
    expect(await ok(s, 'gva2gpa 0x1234')).toBe('0x1234 -> gpa 0x1234');
  });

  test('a debugger read never reaches a device: MMIO is refused with the way to read it', async () => {
    const s = newSession();
    s.machine.memory.addMmio(0xfe00000, 0x1000, { name: 'probe', read: () => 0x55n, write: () => {} });
    expect(await fails(s, 'xp/4xb 0xfe00000')).toBe(
      "0xfe00000..0xfe00004 reaches MMIO of 'probe' at 0xfe00000; use vmgexit mmio-read 0xfe00000 4 to read it as the guest does; example: xp/8xb 0x7c00",
    );
  });
});
