/**
 * The VMCOREINFO note: the text that tells makedumpfile and crash how to read the dump
 * (kernel/crash_core.c crash_save_vmcoreinfo_init, arch/x86/kernel/machine_kexec_64.c
 * arch_crash_save_vmcoreinfo). An ELF note named "VMCOREINFO" of type 0 holding `KEY=value` lines;
 * CRASHTIME is appended at the crash (crash_save_vmcoreinfo).
 */

export const VMCOREINFO_NOTE_NAME = 'VMCOREINFO';
/** The kernel reserves one page for the note (VMCOREINFO_BYTES is PAGE_SIZE). */
export const VMCOREINFO_BYTES = 4096;

export interface VmcoreinfoInput {
  /** utsname()->release: which kernel crashed, e.g. "sevlab-test-kernel-A". */
  osrelease: string;
  /** Symbols the tools look up, by name: physical addresses on the identity-mapped test kernels. */
  symbols: Record<string, number>;
  /** NUMBER(nr_cpu_ids). */
  nrCpus: number;
}

const hexNoPrefix = (n: number) => n.toString(16);

/** The lines crash_save_vmcoreinfo_init and arch_crash_save_vmcoreinfo write, in their order. */
export function vmcoreinfoText(input: VmcoreinfoInput, crashTime?: number): string {
  const lines = [`OSRELEASE=${input.osrelease}`, 'PAGESIZE=4096'];
  for (const [name, value] of Object.entries(input.symbols))
    lines.push(`SYMBOL(${name})=${hexNoPrefix(value)}`);
  lines.push(`NUMBER(nr_cpu_ids)=${input.nrCpus}`, 'NUMBER(phys_base)=0', 'KERNELOFFSET=0');
  if (crashTime !== undefined) lines.push(`CRASHTIME=${crashTime}`);
  return `${lines.map((l) => `${l}\n`).join('')}`;
}

const pad4 = (n: number) => (n + 3) & ~3;

/** An ELF note: header, name with its NUL padded to 4 bytes, descriptor padded to 4 bytes. */
export function elfNote(name: string, type: number, desc: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(`${name}\0`);
  const out = new Uint8Array(12 + pad4(nameBytes.length) + pad4(desc.length));
  const v = new DataView(out.buffer);
  v.setUint32(0, nameBytes.length, true);
  v.setUint32(4, desc.length, true);
  v.setUint32(8, type, true);
  out.set(nameBytes, 12);
  out.set(desc, 12 + pad4(nameBytes.length));
  return out;
}

/** The VMCOREINFO note followed by final_note()'s empty header, as it sits in kernel memory. */
export function vmcoreinfoNote(text: string): Uint8Array {
  const note = elfNote(VMCOREINFO_NOTE_NAME, 0, new TextEncoder().encode(text));
  if (note.length + 12 > VMCOREINFO_BYTES)
    throw new Error(`the VMCOREINFO text needs ${note.length} bytes; the kernel's buffer holds 4096`);
  const out = new Uint8Array(note.length + 12);
  out.set(note);
  return out;
}

/** The notes at the start of `bytes`, up to the first empty one (final_note) or the end. */
export function splitNotes(bytes: Uint8Array): Uint8Array[] {
  const notes: Uint8Array[] = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 12 <= bytes.length) {
    const namesz = v.getUint32(at, true);
    const descsz = v.getUint32(at + 4, true);
    if (namesz === 0 && descsz === 0) break;
    const size = 12 + pad4(namesz) + pad4(descsz);
    if (at + size > bytes.length) break;
    notes.push(bytes.subarray(at, at + size));
    at += size;
  }
  return notes;
}
