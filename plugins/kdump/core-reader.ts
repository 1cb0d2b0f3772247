/** Reading memory back out of an ELF64 core file by physical address (its PT_LOAD table). */
import { closeSync, openSync, readSync } from 'node:fs';

export type CoreRead = { ok: true; bytes: Uint8Array } | { ok: false; why: string };

export function readCoreMemory(path: string, gpa: number, length: number): CoreRead {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return { ok: false, why: `cannot open ${path}: ${e instanceof Error ? e.message : String(e)}` };
  }
  try {
    const head = new Uint8Array(64);
    readSync(fd, head, 0, 64, 0);
    const v = new DataView(head.buffer);
    if (v.getUint32(0, false) !== 0x7f454c46 || v.getUint16(16, true) !== 4)
      return { ok: false, why: `${path} is not an ELF core file` };
    const phoff = Number(v.getBigUint64(32, true));
    let phnum = v.getUint16(56, true);
    if (phnum === 0xffff) {
      const sh = new Uint8Array(64);
      readSync(fd, sh, 0, 64, Number(v.getBigUint64(40, true)));
      phnum = new DataView(sh.buffer).getUint32(44, true);
    }
    const table = new Uint8Array(phnum * 56);
    readSync(fd, table, 0, table.length, phoff);
    const t = new DataView(table.buffer);
    for (let i = 0; i < phnum; i++) {
      const at = i * 56;
      if (t.getUint32(at, true) !== 1) continue;
      const paddr = Number(t.getBigUint64(at + 24, true));
      const size = Number(t.getBigUint64(at + 32, true));
      if (gpa < paddr || gpa + length > paddr + size) continue;
      const out = new Uint8Array(length);
      readSync(fd, out, 0, length, Number(t.getBigUint64(at + 8, true)) + gpa - paddr);
      return { ok: true, bytes: out };
    }
    return { ok: false, why: `${path} holds no memory at 0x${gpa.toString(16)} (+${length})` };
  } finally {
    closeSync(fd);
  }
}
