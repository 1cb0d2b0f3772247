/**
 * The crash path: panic() -> __crash_kexec() -> machine_crash_shutdown() -> machine_kexec() of the
 * crash image (kernel/kexec_core.c, arch/x86/kernel/crash.c native_machine_crash_shutdown,
 * arch/x86/kernel/reboot.c nmi_shootdown_cpus). The kernel's C parts are modelled here; everything
 * the other CPUs do (the NMI callback, crash_save_cpu, halting) and the jump into the capture kernel
 * run as machine code (asm/crash_nmi.S, asm/capture_kernel.S).
 *
 * The crashing CPU's registers: for a crash the model raises (sysrq-c, the `crash` command) the
 * kernel model is the panic code, so it saves the vCPU's architectural state at the instruction
 * boundary where the panic happens, as crash_setup_regs() does for the panicking C code. For an oops
 * the oops entry (machine code) already saved the faulting context's pt_regs into the note, as
 * crash_kexec(regs) passes the exception's regs on; the model leaves that note alone.
 */
import { hex, type Machine, SVM_EXIT, type Vcpu } from '../../core/index.ts';
import { BOOT_INFO, symbolValue } from '../kexec/index.ts';
import { blobInstalled, kexecSession } from '../kexec/session.ts';
import { CAPTURE_SIGNATURE, CRASH_NMI_SYMBOLS, OOPS_ENTRIES } from './blob.ts';
import { setIntrGate } from './idt.ts';
import { writeU32, writeU64 } from './load.ts';
import { CRASH_NOTE_BYTES, prstatusNote, regsOf } from './prstatus.ts';
import { type CrashCause, type KdumpCrash, type KdumpLoaded, kdumpSession } from './session.ts';
import { vmcoreinfoNote, vmcoreinfoText } from './vmcoreinfo.ts';

export type CrashOutcome = { kind: 'captured'; crash: KdumpCrash } | { kind: 'failed'; why: string };

const NMI_VECTOR = 2;
const MSR_X2APIC_ICR = 0x830n;
/** __prepare_ICR(APIC_DEST_ALLBUT, NMI_VECTOR): shorthand all-but-self, delivery mode NMI. */
const ICR_NMI_ALLBUT = 0xc0400n;
const MSR_EXIT_WRITE = 1n;

/** Instructions the other CPUs get to answer the NMI (Linux waits up to a second) and the boot. */
const budget = (machine: Machine) => 1_000_000 + machine.vcpus.length * 20_000;

function print(machine: Machine, vcpu: Vcpu, message: string): void {
  machine.kernel.print(vcpu, message);
}

/** cpu_online_mask of the old kernel (its online_flags array). */
function onlineCpus(machine: Machine, loaded: KdumpLoaded): number[] {
  const image = loaded.kernel.image;
  const flags = Number(machine.memory.read64(symbolValue(image, 'online_flags')));
  const n = Math.min(machine.memory.read32(symbolValue(image, 'nr_cpus')), machine.vcpus.length);
  return [...machine.memory.read(flags, n)].flatMap((f, i) => (f !== 0 ? [i] : []));
}

/** The CPU that panics and why: a pending oops wins over the requested CPU. */
function panicking(machine: Machine, loaded: KdumpLoaded, cpu: number): { cpu: number; cause: CrashCause } {
  const oops = machine.memory.read32(loaded.blob + CRASH_NMI_SYMBOLS.crash_oops_cpu);
  if (oops === 0) return { cpu, cause: { kind: 'sysrq' } };
  return {
    cpu: oops - 1,
    cause: { kind: 'oops', vector: machine.memory.read32(loaded.blob + CRASH_NMI_SYMBOLS.crash_oops_vector) },
  };
}

/** apic->send_IPI_allbutself(NMI_VECTOR): an x2APIC ICR write, a #VC(MSR) through the GHCB under SEV-ES. */
function sendNmiAllButSelf(machine: Machine, vcpu: Vcpu): void {
  if (machine.config.sev !== 'es') {
    machine.hv.icrWrite(vcpu, ICR_NMI_ALLBUT);
    return;
  }
  machine.kernel.hvCall(vcpu, SVM_EXIT.MSR, MSR_EXIT_WRITE, 0n, (g) => {
    g.set('rcx', MSR_X2APIC_ICR);
    g.set('rax', ICR_NMI_ALLBUT & 0xffff_ffffn);
    g.set('rdx', ICR_NMI_ALLBUT >> 32n);
  });
}

export function crashKexec(machine: Machine, requestedCpu = 0): CrashOutcome {
  const session = kdumpSession(machine);
  const loaded = session.loaded;
  if (!loaded) return { kind: 'failed', why: 'no crash kernel is loaded: kdump load first' };
  if (session.crash) return { kind: 'failed', why: `the kernel already crashed on cpu${session.crash.cpu}` };
  if (machine.terminated) return { kind: 'failed', why: 'the VM has terminated' };
  const { cpu, cause } = panicking(machine, loaded, requestedCpu);
  const vcpu = machine.vcpu(cpu);
  const online = onlineCpus(machine, loaded);
  if (!online.includes(cpu) || (vcpu.state !== 'running' && vcpu.state !== 'halted'))
    return {
      kind: 'failed',
      why: `cpu${cpu} is not online in kernel ${loaded.kernel.name} (state ${vcpu.state})`,
    };
  const slot = (i: number) => loaded.notes + i * CRASH_NOTE_BYTES;
  const field = (name: keyof typeof CRASH_NMI_SYMBOLS) => loaded.blob + CRASH_NMI_SYMBOLS[name];

  if (cause.kind === 'sysrq') {
    print(machine, vcpu, 'sysrq: Trigger a crash');
    print(machine, vcpu, 'Kernel panic - not syncing: sysrq triggered crash');
    // crash_setup_regs() + crash_save_cpu() for the panicking CPU.
    const note = new Uint8Array(CRASH_NOTE_BYTES);
    note.set(
      prstatusNote(
        cpu + 1,
        regsOf((r) => vcpu.cpu.getReg(r)),
      ),
    );
    machine.memory.write(slot(cpu), note);
  } else {
    const name = OOPS_ENTRIES.find((e) => e.vector === cause.vector)?.name ?? `vector ${cause.vector}`;
    print(machine, vcpu, `Oops: ${name} on CPU ${cpu}`);
    print(machine, vcpu, 'Kernel panic - not syncing: Fatal exception');
  }

  // nmi_shootdown_cpus(kdump_nmi_callback): register the NMI handler, count the others, send the NMI.
  const others = online.filter((i) => i !== cpu);
  const park = session.parkAps && blobInstalled(kexecSession(machine));
  writeU64(
    machine,
    field('crash_park_entry'),
    park ? symbolValue(loaded.kernel.image, 'sev_jumptable_ap_park') : 0,
  );
  writeU32(machine, field('waiting_for_crash_ipi'), others.length);
  setIntrGate(machine, symbolValue(loaded.kernel.image, 'idt_table'), NMI_VECTOR, field('crash_nmi_entry'));
  const icount = machine.instructions;
  sendNmiAllButSelf(machine, vcpu);
  const waiting = () => machine.memory.read32(field('waiting_for_crash_ipi'));
  if (others.length > 0)
    machine.run({ only: others, until: () => waiting() === 0, maxInstructions: budget(machine) });
  const stopped = others.filter((i) => machine.memory.read32(slot(i)) !== 0);
  const notStopped = others.filter((i) => !stopped.includes(i));
  if (notStopped.length > 0)
    print(machine, vcpu, `kdump: ${notStopped.map((i) => `cpu${i}`).join(', ')} did not answer the NMI`);

  // crash_save_vmcoreinfo(): CRASHTIME. The machine has no wall clock; the instruction count stands in.
  machine.memory.write(loaded.vmcoreinfo, vmcoreinfoNote(vmcoreinfoText(loaded.vmcoreinfoInput, icount)));

  // machine_kexec(kexec_crash_image): C calls relocate_kernel(page_list, start_address, ...).
  const c = vcpu.cpu;
  c.setReg('rdi', loaded.capture.pageTable);
  c.setReg('rsi', loaded.capture.bootInfo);
  c.setReg('rdx', loaded.capture.entry);
  c.setReg('rip', field('crash_relocate_kernel'));
  // An oops CPU waits in the die stub's hlt; the panic path that runs on it now is this model.
  c.halted = false;
  machine.hv.setState(vcpu, 'running', 'machine_kexec: crash kernel');
  const sig = loaded.capture.bootInfo + BOOT_INFO.signature;
  machine.run({
    only: [cpu],
    until: () => machine.memory.read32(sig) === CAPTURE_SIGNATURE,
    maxInstructions: budget(machine),
  });
  if (machine.memory.read32(sig) !== CAPTURE_SIGNATURE)
    return {
      kind: 'failed',
      why: `the capture kernel did not start on cpu${cpu} (${vcpu.state} at ${hex(c.getReg('rip'))})`,
    };
  const crash: KdumpCrash = {
    cpu,
    cause,
    stopped,
    notStopped,
    crashingNoteBy: cause.kind === 'sysrq' ? 'kernel model' : 'oops entry',
    icount,
  };
  session.crash = crash;
  machine.log.append({
    kind: 'log',
    vcpu: cpu,
    source: 'kdump',
    message: `capture kernel running on cpu${cpu} at ${hex(loaded.capture.entry)}; ${stopped.length} CPUs stopped by NMI`,
  });
  return { kind: 'captured', crash };
}
