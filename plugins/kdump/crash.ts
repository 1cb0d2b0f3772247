/**
 * The crash path: panic() -> __crash_kexec() -> machine_crash_shutdown() -> machine_kexec() of the
 * crash image (kernel/kexec_core.c, arch/x86/kernel/crash.c native_machine_crash_shutdown,
 * arch/x86/kernel/reboot.c nmi_shootdown_cpus).
 *
 * Two ways in. A fault the test kernels do not handle enters the oops entry of asm/crash_nmi.S, which
 * runs the whole path as machine code: it saves the fault's pt_regs as its note, NMIs the other CPUs
 * through the x2APIC ICR, waits for them, writes CRASHTIME and jumps to the capture kernel, inside
 * whatever run the fault happened in. A panic in C (sysrq-c, the kernel model's own panic()) reaches
 * the handler below through the guest kernel model's panic chain: it is __crash_kexec(NULL), so it
 * saves the vCPU's architectural state at the instruction where the panic happens (crash_setup_regs)
 * and sends the CPU into the same machine code, at crash_kexec_shutdown.
 */
import { hex, type Machine, type PanicHandler, type Vcpu } from '../../core/index.ts';
import { CRASH_NMI_SYMBOLS } from './blob.ts';
import { crashState, type KdumpCrash, oldKernelOnline } from './crash-state.ts';
import { writeU32 } from './load.ts';
import { CRASH_NOTE_BYTES, prstatusNote, regsOf } from './prstatus.ts';
import { type CrashCause, kdumpSession } from './session.ts';

export type CrashOutcome = { kind: 'captured'; crash: KdumpCrash } | { kind: 'failed'; why: string };

/** panic()'s message for sysrq-c (drivers/tty/sysrq.c sysrq_handle_crash). */
export const SYSRQ_CRASH_MESSAGE = 'sysrq triggered crash';

/**
 * Instructions the crash path and the capture kernel's boot may take: enough for the shoot-down's
 * and the CPU bring-up's waits to run out (Linux gives up after 1 s and 10 s) when a CPU never answers.
 */
const budget = (machine: Machine) => 10_000_000 + machine.vcpus.length * 20_000;

/** Why __crash_kexec() cannot run on this CPU now, or null. */
export function crashRefusal(machine: Machine, cpu: number): string | null {
  const loaded = kdumpSession(machine).loaded;
  if (!loaded) return 'no crash kernel is loaded: kdump load first';
  const state = crashState(machine);
  if (state.kind === 'captured') return `the kernel already crashed on cpu${state.crash.cpu}`;
  if (state.kind === 'crashing') return `cpu${state.cpu} is already in the crash path`;
  if (machine.terminated) return 'the VM has terminated';
  const vcpu = machine.vcpu(cpu);
  if (
    !oldKernelOnline(machine, loaded).includes(cpu) ||
    (vcpu.state !== 'running' && vcpu.state !== 'halted')
  )
    return `cpu${cpu} is not online in kernel ${loaded.kernel.name} (state ${vcpu.state})`;
  return null;
}

/**
 * __crash_kexec(NULL) from panic(): crash_setup_regs() and crash_save_cpu() for this CPU, panic_cpu,
 * then the CPU continues in the crash code. False when there is no crash kernel (panic goes on).
 */
function enterCrashKexec(machine: Machine, vcpu: Vcpu, cause: CrashCause): boolean {
  const session = kdumpSession(machine);
  const loaded = session.loaded;
  if (!loaded || crashRefusal(machine, vcpu.index) !== null) return false;
  const c = machine.vcpu(vcpu.index).cpu;
  const note = new Uint8Array(CRASH_NOTE_BYTES);
  note.set(
    prstatusNote(
      vcpu.index + 1,
      regsOf((r) => c.getReg(r)),
    ),
  );
  machine.memory.write(loaded.notes + vcpu.index * CRASH_NOTE_BYTES, note);
  writeU32(machine, loaded.blob + CRASH_NMI_SYMBOLS.crash_kexec_cpu, vcpu.index + 1);
  session.panicCause = cause;
  c.setReg('rdi', vcpu.index);
  c.setReg('rip', loaded.blob + CRASH_NMI_SYMBOLS.crash_kexec_shutdown);
  // A halted CPU (sysrq-c while it idles) leaves its hlt: the panic code runs on it now.
  c.halted = false;
  machine.hv.setState(vcpu, 'running', '__crash_kexec');
  return true;
}

/** The handler kdump adds to the guest kernel model's panic(). */
export function crashKexecOnPanic(machine: Machine): PanicHandler {
  return {
    name: 'kdump __crash_kexec',
    handle: ({ vcpu, message }) => {
      const cause: CrashCause =
        message === SYSRQ_CRASH_MESSAGE ? { kind: 'sysrq' } : { kind: 'panic', message };
      return enterCrashKexec(machine, vcpu, cause) ? 'took-over' : undefined;
    },
  };
}

/**
 * Runs the machine until the crash path and the capture kernel's boot settle (every vCPU idle),
 * then reads what happened.
 */
export function awaitCapture(machine: Machine): CrashOutcome {
  const stop = machine.run({ maxInstructions: budget(machine) });
  const state = crashState(machine);
  if (state.kind === 'captured') {
    const c = state.crash;
    machine.log.append({
      kind: 'log',
      vcpu: c.cpu,
      source: 'kdump',
      message: `capture kernel running on cpu${c.cpu} (${c.captureCpus} CPU${c.captureCpus === 1 ? '' : 's'} online); ${c.stopped.length} CPUs stopped by NMI`,
    });
    return { kind: 'captured', crash: c };
  }
  const loaded = kdumpSession(machine).loaded;
  const cpu = state.kind === 'crashing' ? state.cpu : 0;
  const v = machine.vcpu(cpu);
  return {
    kind: 'failed',
    why:
      `the capture kernel did not start (${stop.kind}); cpu${cpu} ${v.state} at ${hex(v.cpu.getReg('rip'))}` +
      (loaded ? `, capture entry ${hex(loaded.capture.entry)}` : ''),
  };
}

/**
 * What kexec's status and kexec_load see after a crash (registered with addKernelStopProbe: kexec
 * must not depend on kdump): the old kernel no longer runs once a CPU entered the crash path.
 */
export function crashedKernel(machine: Machine): string | null {
  const state = crashState(machine);
  const name = kdumpSession(machine).loaded?.kernel.name ?? '?';
  if (state.kind === 'captured')
    return `kernel ${name} crashed; the capture kernel runs on cpu${state.crash.cpu}`;
  if (state.kind === 'crashing')
    return `kernel ${name} crashed on cpu${state.cpu}; the capture kernel has not started`;
  return null;
}

/** sysrq-c on a CPU (`echo c > /proc/sysrq-trigger`): panic() there, then the crash path runs. */
export function crashKexec(machine: Machine, cpu = 0): CrashOutcome {
  const why = crashRefusal(machine, cpu);
  if (why) return { kind: 'failed', why };
  const vcpu = machine.vcpu(cpu);
  machine.kernel.print(vcpu, 'sysrq: Trigger a crash');
  const p = machine.kernel.panic(vcpu, SYSRQ_CRASH_MESSAGE);
  if (p.kind !== 'took-over' || crashState(machine).kind === 'none')
    return { kind: 'failed', why: `panic() on cpu${cpu} did not reach the crash kernel` };
  return awaitCapture(machine);
}
