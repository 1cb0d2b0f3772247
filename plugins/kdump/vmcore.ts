/**
 * The dumps. The vmcore is what the capture kernel's user space writes (cp /proc/vmcore, makedumpfile):
 * the old kernel's notes and memory read through the guest's own view, in plaintext, which under
 * SEV-ES only the guest can do (AMD APM Vol. 2, "Secure Encrypted Virtualization"). The host dump has
 * the same layout but is taken through the hypervisor's mapping (memory.hvRead, as virsh dump / QEMU
 * dump-guest-memory would): private pages come out as ciphertext, and the registers are unknown to
 * the host because they live in the encrypted VMSA, so its NT_PRSTATUS notes are zero.
 */
import { statSync } from 'node:fs';
import type { Machine } from '../../core/index.ts';
import { kdumpCrash } from './crash-state.ts';
import { type CoreSegment, writeElfCore } from './elf-core.ts';
import { dumpSegments } from './memory-runs.ts';
import { CRASH_NOTE_BYTES, PR_REG_NAMES, type PrRegs, prstatusNote } from './prstatus.ts';
import { type KdumpLoaded, kdumpSession } from './session.ts';
import { splitNotes, VMCOREINFO_BYTES } from './vmcoreinfo.ts';

export type DumpOutcome =
  | {
      kind: 'written';
      path: string;
      bytes: number;
      /** Bytes the file occupies on disk (st_blocks * 512). */
      diskBytes: number;
      segments: number;
      memoryBytes: number;
      notes: number;
    }
  | { kind: 'failed'; why: string };

/** The merged PT_NOTE of /proc/vmcore: every CPU's crash_notes, then the VMCOREINFO note. */
export function vmcoreNotes(machine: Machine, loaded: KdumpLoaded): Uint8Array[] {
  const notes: Uint8Array[] = [];
  for (let cpu = 0; cpu < machine.vcpus.length; cpu++)
    notes.push(...splitNotes(machine.memory.read(loaded.notes + cpu * CRASH_NOTE_BYTES, CRASH_NOTE_BYTES)));
  notes.push(...splitNotes(machine.memory.read(loaded.vmcoreinfo, VMCOREINFO_BYTES)));
  return notes;
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

function write(
  path: string,
  notes: Uint8Array[],
  segments: CoreSegment[],
  read: (gpa: number, n: number) => Uint8Array,
): DumpOutcome {
  try {
    const r = writeElfCore(path, concat(notes), segments, read);
    return {
      kind: 'written',
      path,
      bytes: r.bytes,
      diskBytes: statSync(path).blocks * 512,
      segments: r.segments,
      memoryBytes: r.memoryBytes,
      notes: notes.length,
    };
  } catch (e) {
    return { kind: 'failed', why: `cannot write ${path}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The capture kernel's vmcore: only after the crash, when the capture kernel runs. */
export function writeVmcore(machine: Machine, path: string): DumpOutcome {
  const s = kdumpSession(machine);
  if (!s.loaded || !kdumpCrash(machine))
    return { kind: 'failed', why: '/proc/vmcore exists only in the capture kernel: crash the machine first' };
  return write(path, vmcoreNotes(machine, s.loaded), dumpSegments(machine.memory), (gpa, n) =>
    machine.memory.read(gpa, n),
  );
}

const ZERO_REGS = Object.fromEntries(PR_REG_NAMES.map((n) => [n, 0n])) as PrRegs;

/** The hypervisor's dump of the same guest, at any time. */
export function writeHostDump(machine: Machine, path: string): DumpOutcome {
  const notes = machine.vcpus.map((v) => prstatusNote(v.index + 1, ZERO_REGS));
  return write(path, notes, dumpSegments(machine.memory), (gpa, n) => machine.memory.hvRead(gpa, n));
}
