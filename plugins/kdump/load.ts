/**
 * `kdump load`: what the running kernel and kexec -p (kexec_load with KEXEC_ON_CRASH) set up before
 * any crash. The kernel side: reserve_crashkernel() at boot, the per-CPU crash_notes buffers
 * (crash_notes_memory_init), the VMCOREINFO note (crash_save_vmcoreinfo_init), the crash code and the
 * die() path for the exceptions the test kernels leave unhandled. The kexec side: the capture
 * kernel's segments copied into the reserved region at load time (crash images are never copied at
 * crash time), the identity page table of machine_kexec_prepare, the boot info block.
 */
import { hex, type Machine } from '../../core/index.ts';
import { identityMapBytes } from '../kexec/direct-boot.ts';
import { symbolValue } from '../kexec/index.ts';
import { blobInstalled, kexecSession } from '../kexec/session.ts';
import { CRASH_NMI_SYMBOLS, captureKernel, crashNmiBlob, OOPS_ENTRIES } from './blob.ts';
import { captureBootInfo, captureCpus, reserveTrampoline } from './capture-boot.ts';
import { crashState } from './crash-state.ts';
import { parseCrashKernel } from './crashkernel.ts';
import { gatePresent, setIntrGate } from './idt.ts';
import { CRASH_NOTE_BYTES } from './prstatus.ts';
import { type KdumpLoaded, kdumpSession } from './session.ts';
import { VMCOREINFO_BYTES, type VmcoreinfoInput, vmcoreinfoNote, vmcoreinfoText } from './vmcoreinfo.ts';

export type LoadOutcome = { kind: 'loaded'; loaded: KdumpLoaded } | { kind: 'failed'; why: string };

export const CRASHKERNEL_OWNER = 'kernel: crashkernel (kdump)';
const PAGE = 4096;
const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

/** Symbols the vmcoreinfo note names: what the crash tool would look up first. */
const VMCOREINFO_SYMBOLS = ['idt_table', 'online_flags', 'nr_cpus', 'boot_info', 'startup_64'] as const;

export function writeU64(machine: Machine, gpa: number, value: number | bigint): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(value), true);
  machine.memory.write(gpa, b);
}

export function writeU32(machine: Machine, gpa: number, value: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  machine.memory.write(gpa, b);
}

/** [start, end) ranges that kernel-owned allocations must stay clear of. */
function busy(machine: Machine): { base: number; end: number; what: string }[] {
  const out = machine.memory
    .reservedRanges()
    .map((r) => ({ base: r.base, end: r.base + r.length, what: r.owner }));
  if (machine.config.sev === 'es') {
    const g = machine.config.ghcbBase;
    out.push({ base: g, end: g + machine.vcpus.length * PAGE, what: 'the GHCB pages' });
  }
  return out;
}

function reserveRegion(machine: Machine, base: number, size: number): string | null {
  const existing = machine.memory.reservedAt(base);
  if (existing?.owner === CRASHKERNEL_OWNER && existing.base === base && existing.length === size)
    return null;
  const clash = busy(machine).find((r) => base < r.end && r.base < base + size);
  if (clash)
    return `crashkernel region ${hex(base)}-${hex(base + size)} overlaps ${clash.what} at ${hex(clash.base)}`;
  machine.memory.reserve(base, size, CRASHKERNEL_OWNER);
  return null;
}

export function kdumpLoad(machine: Machine): LoadOutcome {
  const session = kdumpSession(machine);
  const kernel = kexecSession(machine).kernel;
  if (!kernel) return { kind: 'failed', why: 'no kernel is running: boot one first (boot a)' };
  if (crashState(machine).kind !== 'none') return { kind: 'failed', why: 'the kernel has already crashed' };
  const parsed = parseCrashKernel(session.crashkernel, machine.config.memory);
  if (!parsed.ok) return { kind: 'failed', why: parsed.message };
  const region = parsed.region;
  const image = kernel.image;
  const sym = (name: string) => symbolValue(image, name);

  // Kernel-owned memory right after the image: the crash code, crash_notes, vmcoreinfo_note.
  const imageEnd = roundUp(Math.max(...image.segments.map((s) => s.paddr + s.memsz)), PAGE);
  const nrCpus = machine.vcpus.length;
  const blob = imageEnd;
  const notes = blob + PAGE;
  const vmcoreinfo = notes + roundUp(nrCpus * CRASH_NOTE_BYTES, PAGE);
  const kernelEnd = vmcoreinfo + VMCOREINFO_BYTES;
  const clash = busy(machine).find((r) => blob < r.end && r.base < kernelEnd);
  if (clash)
    return {
      kind: 'failed',
      why: `the crash notes at ${hex(blob)}-${hex(kernelEnd)} would overlap ${clash.what} at ${hex(clash.base)}`,
    };
  if (blob < region.base + region.size && region.base < kernelEnd)
    return {
      kind: 'failed',
      why: `crashkernel=${session.crashkernel} overlaps the running kernel ${kernel.name}`,
    };
  for (const s of image.segments)
    if (s.paddr < region.base + region.size && region.base < s.paddr + s.memsz)
      return {
        kind: 'failed',
        why: `crashkernel=${session.crashkernel} overlaps the running kernel ${kernel.name}`,
      };
  for (const s of image.segments)
    if (s.paddr < session.trampoline + PAGE && session.trampoline < s.paddr + s.memsz)
      return {
        kind: 'failed',
        why: `the trampoline page ${hex(session.trampoline)} overlaps the running kernel ${kernel.name}`,
      };
  const why =
    reserveRegion(machine, region.base, region.size) ?? reserveTrampoline(machine, session.trampoline);
  if (why) return { kind: 'failed', why };

  // The capture kernel's segments, relocated to the region (a relocatable image).
  const capture = captureKernel();
  const captureEnd = roundUp(Math.max(...capture.image.segments.map((s) => s.paddr + s.memsz)), PAGE);
  const pageTable = region.base + captureEnd;
  const bootInfo = pageTable + identityMapBytes(0).length;
  const onlineFlags = bootInfo + PAGE;
  const end = onlineFlags + PAGE;
  if (end > region.base + region.size)
    return { kind: 'failed', why: `crashkernel=${session.crashkernel} is too small for the capture kernel` };
  const smp = captureCpus(machine, session);
  if (smp.kind === 'refused') return { kind: 'failed', why: smp.why };
  for (const s of capture.image.segments) {
    machine.memory.write(region.base + s.paddr, capture.bytes.subarray(s.offset, s.offset + s.filesz));
    if (s.memsz > s.filesz)
      machine.memory.write(region.base + s.paddr + s.filesz, new Uint8Array(s.memsz - s.filesz));
  }
  machine.memory.write(pageTable, identityMapBytes(pageTable));
  machine.memory.write(onlineFlags, new Uint8Array(PAGE));
  machine.memory.write(
    bootInfo,
    captureBootInfo(machine, smp, { pageTable, onlineFlags, trampoline: session.trampoline }),
  );

  // The old kernel's side.
  machine.memory.write(blob, crashNmiBlob());
  const slot = (name: keyof typeof CRASH_NMI_SYMBOLS) => blob + CRASH_NMI_SYMBOLS[name];
  writeU64(machine, slot('crash_notes'), notes);
  writeU64(machine, slot('crash_ghcb_base'), machine.config.ghcbBase);
  writeU32(machine, slot('crash_nr_cpus'), nrCpus);
  writeU64(machine, slot('crash_idt_table'), sym('idt_table'));
  writeU64(machine, slot('crash_online_flags'), sym('online_flags'));
  writeU64(machine, slot('crash_vmcoreinfo'), vmcoreinfo);
  writeU64(machine, slot('crash_image_pgd'), pageTable);
  writeU64(machine, slot('crash_image_boot_info'), bootInfo);
  writeU64(machine, slot('crash_image_entry'), region.base + capture.image.entry);
  // Stopped CPUs park in the jump table blob (the series' stop path) when asked to and when the
  // running kernel installed the blob; a capture kernel that brings CPUs back needs them there.
  const park = (session.parkAps || session.smp) && blobInstalled(kexecSession(machine));
  writeU64(machine, slot('crash_park_entry'), park ? sym('sev_jumptable_ap_park') : 0);
  machine.memory.write(notes, new Uint8Array(vmcoreinfo - notes));
  // The per-CPU GHCBs are mapped decrypted for every possible CPU at boot (sev_es_init_vc_handling).
  if (machine.config.sev === 'es') for (const v of machine.vcpus) machine.kernel.ghcbGpa(v);
  const vmcoreinfoInput: VmcoreinfoInput = {
    osrelease: `sevlab-test-kernel-${kernel.name}`,
    symbols: Object.fromEntries(
      VMCOREINFO_SYMBOLS.filter((n) => image.symbols.some((s) => s.name === n)).map((n) => [n, sym(n)]),
    ),
    nrCpus,
  };
  machine.memory.write(vmcoreinfo, vmcoreinfoNote(vmcoreinfoText(vmcoreinfoInput)));
  const idt = sym('idt_table');
  for (const e of OOPS_ENTRIES)
    if (!gatePresent(machine, idt, e.vector)) setIntrGate(machine, idt, e.vector, slot(e.symbol));

  const loaded: KdumpLoaded = {
    region,
    kernel,
    blob,
    notes,
    vmcoreinfo,
    vmcoreinfoInput,
    capture: { entry: region.base + capture.image.entry, pageTable, bootInfo, onlineFlags, end },
    smp: smp.kind === 'smp',
  };
  session.loaded = loaded;
  machine.log.append({
    kind: 'log',
    vcpu: null,
    source: 'kdump',
    message: `crash kernel loaded at ${hex(region.base)} (crashkernel=${session.crashkernel}); crash notes at ${hex(notes)}`,
  });
  return { kind: 'loaded', loaded };
}
