/**
 * ELF64 reader for kernel images: what kexec needs from a vmlinux-style executable. kexec-tools
 * (kexec/kexec-elf.c build_elf_exec_info, kexec-elf-x86_64.c) loads every PT_LOAD segment at its
 * physical address p_paddr, zero-fills memsz beyond filesz, and enters at e_entry.
 *
 * Layout: ELF specification (System V gABI) and the x86-64 psABI. All fields little-endian.
 */

const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;

const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ET_EXEC = 2;
const EM_X86_64 = 62;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;
const SHN_ABS = 0xfff1;

/** ELF e_type names, for messages. */
const ET_NAMES: Record<number, string> = {
  0: 'ET_NONE',
  1: 'ET_REL',
  2: 'ET_EXEC',
  3: 'ET_DYN',
  4: 'ET_CORE',
};

/** One PT_LOAD program header. */
export interface ElfLoadSegment {
  /** Index in the program header table. */
  index: number;
  paddr: number;
  vaddr: number;
  offset: number;
  filesz: number;
  memsz: number;
  /** PF_X = 1, PF_W = 2, PF_R = 4. */
  flags: number;
}

export const SYMBOL_TYPES = ['notype', 'object', 'func', 'section', 'file'] as const;
export type SymbolType = (typeof SYMBOL_TYPES)[number] | 'other';

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  type: SymbolType;
  global: boolean;
  /** SHN_ABS: an assembler constant (`.equ`) or linker-script value, not a location. */
  absolute: boolean;
}

export interface KernelImage {
  entry: number;
  segments: readonly ElfLoadSegment[];
  /** Named symbols of .symtab (empty when stripped), in table order. */
  symbols: readonly ElfSymbol[];
}

export type ElfReadResult = { kind: 'ok'; image: KernelImage } | { kind: 'error'; message: string };

export interface ElfReadOptions {
  /** Guest RAM size in bytes: every segment must lie in [0, memorySize). */
  memorySize?: number;
}

class ElfFormatError extends Error {}

function fail(message: string): never {
  throw new ElfFormatError(message);
}

/** Reads a u64 field that must fit a JavaScript number exactly (a guest physical address or size). */
function u64(view: DataView, at: number, what: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`The ${what} value 0x${v.toString(16)} is beyond 2**53.`);
  return Number(v);
}

const hex = (n: number) => `0x${n.toString(16)}`;

function checkHeader(bytes: Uint8Array, view: DataView): void {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    fail('Not an ELF file: it does not start with the bytes 7f 45 4c 46 ("\\x7fELF").');
  }
  if (bytes.length < EHDR_SIZE) fail(`Not an ELF64 file: ${bytes.length} bytes is shorter than its header.`);
  if (bytes[4] !== ELFCLASS64)
    fail(`Not a 64-bit ELF file (EI_CLASS ${bytes[4]}): kexec loads ELF64 kernels.`);
  if (bytes[5] !== ELFDATA2LSB) fail(`Not a little-endian ELF file (EI_DATA ${bytes[5]}).`);
  const machine = view.getUint16(18, true);
  if (machine !== EM_X86_64) fail(`Not an x86-64 ELF file (e_machine ${machine}, expected ${EM_X86_64}).`);
  const type = view.getUint16(16, true);
  if (type !== ET_EXEC) {
    fail(`Not an executable ELF file (e_type ${ET_NAMES[type] ?? type}): link the kernel into ET_EXEC.`);
  }
}

function readSegments(bytes: Uint8Array, view: DataView, opts: ElfReadOptions): ElfLoadSegment[] {
  const phoff = u64(view, 32, 'e_phoff');
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  if (phnum === 0) fail('The ELF file has no program headers, so nothing to load.');
  if (phentsize !== PHDR_SIZE)
    fail(`e_phentsize is ${phentsize}; ELF64 program headers are ${PHDR_SIZE} bytes.`);
  if (phoff + phnum * PHDR_SIZE > bytes.length) fail('The program header table lies outside the file.');
  const segments: ElfLoadSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * PHDR_SIZE;
    if (view.getUint32(at, true) !== PT_LOAD) continue;
    const s: ElfLoadSegment = {
      index: i,
      flags: view.getUint32(at + 4, true),
      offset: u64(view, at + 8, `segment ${i} p_offset`),
      vaddr: u64(view, at + 16, `segment ${i} p_vaddr`),
      paddr: u64(view, at + 24, `segment ${i} p_paddr`),
      filesz: u64(view, at + 32, `segment ${i} p_filesz`),
      memsz: u64(view, at + 40, `segment ${i} p_memsz`),
    };
    if (s.offset + s.filesz > bytes.length) fail(`Segment ${i}'s file bytes lie outside the file.`);
    if (s.filesz > s.memsz) fail(`Segment ${i} has p_filesz ${hex(s.filesz)} > p_memsz ${hex(s.memsz)}.`);
    const end = s.paddr + s.memsz;
    if (opts.memorySize !== undefined && end > opts.memorySize) {
      fail(
        `Segment ${i} [${hex(s.paddr)}, ${hex(end)}) lies outside guest memory ` +
          `(${hex(opts.memorySize)} bytes): give the guest more memory or link the kernel lower.`,
      );
    }
    segments.push(s);
  }
  if (segments.length === 0) fail('The ELF file has no PT_LOAD segment, so nothing to load.');
  return segments;
}

function cString(bytes: Uint8Array, at: number): string {
  let end = at;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(at, end));
}

function readSymbols(bytes: Uint8Array, view: DataView): ElfSymbol[] {
  const shoff = u64(view, 40, 'e_shoff');
  const shnum = view.getUint16(60, true);
  if (shoff === 0 || shnum === 0) return [];
  if (shoff + shnum * SHDR_SIZE > bytes.length) fail('The section header table lies outside the file.');
  const section = (i: number) => {
    const at = shoff + i * SHDR_SIZE;
    return {
      type: view.getUint32(at + 4, true),
      offset: u64(view, at + 24, `section ${i} sh_offset`),
      size: u64(view, at + 32, `section ${i} sh_size`),
      link: view.getUint32(at + 40, true),
    };
  };
  for (let i = 0; i < shnum; i++) {
    const symtab = section(i);
    if (symtab.type !== SHT_SYMTAB) continue;
    if (symtab.link >= shnum) fail('.symtab names a string table that does not exist.');
    const strtab = section(symtab.link);
    if (symtab.offset + symtab.size > bytes.length || strtab.offset + strtab.size > bytes.length) {
      fail('The symbol table or its string table lies outside the file.');
    }
    const symbols: ElfSymbol[] = [];
    for (let at = symtab.offset; at + SYM_SIZE <= symtab.offset + symtab.size; at += SYM_SIZE) {
      const nameOffset = view.getUint32(at, true);
      if (nameOffset === 0) continue;
      const info = view.getUint8(at + 4);
      symbols.push({
        name: cString(bytes, strtab.offset + nameOffset),
        type: SYMBOL_TYPES[info & 0xf] ?? 'other',
        global: info >> 4 !== 0,
        absolute: view.getUint16(at + 6, true) === SHN_ABS,
        value: u64(view, at + 8, 'st_value'),
        size: u64(view, at + 16, 'st_size'),
      });
    }
    return symbols;
  }
  return [];
}

/** Parses and checks a kernel image; every refusal is a sentence naming the problem. */
export function readKernelElf(bytes: Uint8Array, opts: ElfReadOptions = {}): ElfReadResult {
  try {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkHeader(bytes, view);
    const segments = readSegments(bytes, view, opts);
    const entry = u64(view, 24, 'e_entry');
    // kexec-tools enters at e_entry as a physical address; it must be loaded code.
    if (!segments.some((s) => entry >= s.paddr && entry < s.paddr + s.filesz)) {
      fail(`The entry point ${hex(entry)} lies in no PT_LOAD segment's file bytes.`);
    }
    return { kind: 'ok', image: { entry, segments, symbols: readSymbols(bytes, view) } };
  } catch (e) {
    if (e instanceof ElfFormatError) return { kind: 'error', message: e.message };
    throw e;
  }
}

/** The value of a named symbol; a missing one is a build mistake, so it throws. */
export function symbolValue(image: KernelImage, name: string): number {
  const sym = image.symbols.find((s) => s.name === name);
  if (!sym)
    throw new Error(`The kernel image has no symbol '${name}': rebuild it with scripts/build-asm.ts.`);
  return sym.value;
}

export interface GuestMemoryWriter {
  write(gpa: number, bytes: Uint8Array): void;
}

/**
 * Copies each PT_LOAD segment to its p_paddr and zero-fills the rest of p_memsz (.bss), as
 * kexec-tools' segments do once relocate_kernel has copied them into place.
 */
export function loadKernelSegments(memory: GuestMemoryWriter, bytes: Uint8Array, image: KernelImage): void {
  for (const s of image.segments) {
    memory.write(s.paddr, bytes.subarray(s.offset, s.offset + s.filesz));
    if (s.memsz > s.filesz) memory.write(s.paddr + s.filesz, new Uint8Array(s.memsz - s.filesz));
  }
}
