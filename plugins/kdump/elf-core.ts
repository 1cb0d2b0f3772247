/**
 * An ELF64 core file (ET_CORE) as /proc/vmcore presents it (fs/proc/vmcore.c, the headers kexec-tools
 * prepares in crashdump-elf.c): the ELF header, one PT_NOTE with every note, one PT_LOAD per range of
 * memory, and the memory itself at page-aligned file offsets. More than 65534 segments use the
 * PN_XNUM extension (gABI; Linux fs/binfmt_elf.c fill_extnum_info): e_phnum = 0xffff and the real
 * count in sh_info of section header 0.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export interface CoreSegment {
  /** Guest physical address; the test kernels map memory 1:1, so p_vaddr is the same. */
  paddr: number;
  size: number;
}

/** Reads guest memory for a segment: the guest's plaintext view, or the host's. */
export type MemoryReader = (gpa: number, length: number) => Uint8Array;

export interface CoreWriteResult {
  /** File size in bytes. */
  bytes: number;
  segments: number;
  /** Bytes of memory written (the sum of the PT_LOAD sizes). */
  memoryBytes: number;
}

const EHDR = 64;
const PHDR = 56;
const SHDR = 64;
const ET_CORE = 4;
const EM_X86_64 = 62;
const PT_LOAD = 1;
const PT_NOTE = 4;
const PF_RWX = 7;
const PN_XNUM = 0xffff;
const PAGE = 4096;
/** Memory is copied in pieces of this size: the file is streamed, never held whole. */
const CHUNK = 1 << 20;

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

function elfHeader(phnum: number, shoff: number): Uint8Array {
  const h = new Uint8Array(EHDR);
  const v = new DataView(h.buffer);
  h.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]); // \x7fELF, ELFCLASS64, ELFDATA2LSB, EV_CURRENT
  v.setUint16(16, ET_CORE, true);
  v.setUint16(18, EM_X86_64, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(32, BigInt(EHDR), true); // e_phoff
  v.setBigUint64(40, BigInt(shoff), true);
  v.setUint16(52, EHDR, true);
  v.setUint16(54, PHDR, true);
  v.setUint16(56, Math.min(phnum, PN_XNUM), true);
  v.setUint16(58, shoff ? SHDR : 0, true);
  v.setUint16(60, shoff ? 1 : 0, true);
  return h;
}

function programHeader(type: number, offset: number, addr: number, size: number, align: number): Uint8Array {
  const p = new Uint8Array(PHDR);
  const v = new DataView(p.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, type === PT_LOAD ? PF_RWX : 0, true);
  v.setBigUint64(8, BigInt(offset), true);
  v.setBigUint64(16, BigInt(addr), true); // p_vaddr
  v.setBigUint64(24, BigInt(addr), true); // p_paddr
  v.setBigUint64(32, BigInt(size), true); // p_filesz
  v.setBigUint64(40, BigInt(size), true); // p_memsz
  v.setBigUint64(48, BigInt(align), true);
  return p;
}

/** Section header 0 of a PN_XNUM file: SHT_NULL with sh_info = the program header count. */
function extnumSection(phnum: number): Uint8Array {
  const s = new Uint8Array(SHDR);
  new DataView(s.buffer).setUint32(44, phnum, true);
  return s;
}

/** The headers and notes; `dataStart` is where the first PT_LOAD's bytes go. */
export function coreHeaders(
  notes: Uint8Array,
  segments: readonly CoreSegment[],
): { head: Uint8Array; dataStart: number } {
  const phnum = segments.length + 1;
  const xnum = phnum >= PN_XNUM;
  const shoff = xnum ? EHDR + phnum * PHDR : 0;
  const notesOff = EHDR + phnum * PHDR + (xnum ? SHDR : 0);
  const dataStart = roundUp(notesOff + notes.length, PAGE);
  const head = new Uint8Array(notesOff + notes.length);
  head.set(elfHeader(phnum, shoff));
  head.set(programHeader(PT_NOTE, notesOff, 0, notes.length, 4), EHDR);
  let offset = dataStart;
  segments.forEach((s, i) => {
    head.set(programHeader(PT_LOAD, offset, s.paddr, s.size, PAGE), EHDR + (i + 1) * PHDR);
    offset += s.size;
  });
  if (xnum) head.set(extnumSection(phnum), shoff);
  head.set(notes, notesOff);
  return { head, dataStart };
}

/** Writes the core file to `path`, streaming each segment's memory through `read`. */
export function writeElfCore(
  path: string,
  notes: Uint8Array,
  segments: readonly CoreSegment[],
  read: MemoryReader,
): CoreWriteResult {
  const { head, dataStart } = coreHeaders(notes, segments);
  const fd = openSync(path, 'w');
  let offset = dataStart;
  try {
    writeSync(fd, head, 0, head.length, 0);
    for (const s of segments) {
      for (let done = 0; done < s.size; done += CHUNK) {
        const n = Math.min(CHUNK, s.size - done);
        writeSync(fd, read(s.paddr + done, n), 0, n, offset + done);
      }
      offset += s.size;
    }
    // A core without memory still spans its page-aligned header area.
    if (segments.length === 0 && dataStart > head.length)
      writeSync(fd, new Uint8Array(1), 0, 1, dataStart - 1);
  } finally {
    closeSync(fd);
  }
  return { bytes: offset, segments: segments.length, memoryBytes: offset - dataStart };
}
