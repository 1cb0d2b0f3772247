/**
 * REPL commands: `kdump load|status`, `crash [CPU]`, `vmcore write PATH`, `host-dump PATH`.
 * Paths are used as given (relative to the REPL's working folder).
 */
import { CommandError, CommandFailed, type PluginCommand } from '../../core/index.ts';
import { crashKexec, crashRefusal } from './crash.ts';
import { kdumpLoad } from './load.ts';
import { crashText, dumpText, statusText } from './report.ts';
import { kdumpSession } from './session.ts';
import { writeHostDump, writeVmcore } from './vmcore.ts';

export const kdumpCommand: PluginCommand = {
  name: 'kdump',
  summary: 'load the crash kernel (kexec -p) or show what kdump holds',
  usage: 'kdump load | kdump status   example: kdump load',
  complete: () => ['load', 'status'],
  run(args, machine) {
    const sub = args[0];
    if (sub === 'status' && args.length === 1) return statusText(machine, kdumpSession(machine));
    if (sub === 'load' && args.length === 1) {
      const r = kdumpLoad(machine);
      if (r.kind === 'failed') throw new CommandError(`kdump load: ${r.why}`);
      return statusText(machine, kdumpSession(machine));
    }
    throw new CommandError(`kdump takes 'load' or 'status', got '${args.join(' ')}'; example: kdump status`);
  },
};

export const crashCommand: PluginCommand = {
  name: 'crash',
  summary: 'panic the kernel (sysrq-c) on a CPU: NMI shoot-down, then the capture kernel',
  usage: 'crash [CPU]   (a pending oops crashes its own CPU)   example: crash 1',
  run(args, machine) {
    const text = args[0] ?? '0';
    if (args.length > 1 || !/^\d+$/.test(text))
      throw new CommandError(`crash takes a CPU number, got '${args.join(' ')}'; example: crash 1`);
    const cpu = Number(text);
    if (cpu >= machine.vcpus.length)
      throw new CommandError(
        `there is no cpu${cpu}: this machine has cpu0 to cpu${machine.vcpus.length - 1}`,
      );
    const refusal = crashRefusal(machine, cpu);
    if (refusal) throw new CommandError(crashText({ kind: 'failed', why: refusal }));
    // The crash ran: a capture kernel that did not start stays on screen to be looked at.
    const r = crashKexec(machine, cpu);
    if (r.kind === 'failed') throw new CommandFailed(crashText(r));
    return crashText(r);
  },
};

export const vmcoreCommand: PluginCommand = {
  name: 'vmcore',
  summary: "write the crashed kernel's memory as an ELF core (the capture kernel's /proc/vmcore)",
  usage: 'vmcore write PATH   example: vmcore write vmcore',
  complete: () => ['write'],
  run(args, machine) {
    if (args[0] !== 'write' || args.length !== 2)
      throw new CommandError(
        `vmcore takes 'write PATH', got '${args.join(' ')}'; example: vmcore write vmcore`,
      );
    const r = writeVmcore(machine, args[1]!);
    if (r.kind === 'failed') throw new CommandError(dumpText('vmcore', r));
    return dumpText('vmcore', r);
  },
};

export const hostDumpCommand: PluginCommand = {
  name: 'host-dump',
  summary: "write the hypervisor's dump of the guest (ciphertext for private pages) as an ELF core",
  usage: 'host-dump PATH   example: host-dump host.core',
  run(args, machine) {
    if (args.length !== 1)
      throw new CommandError(
        `host-dump takes one PATH, got '${args.join(' ')}'; example: host-dump host.core`,
      );
    const r = writeHostDump(machine, args[0]!);
    if (r.kind === 'failed') throw new CommandError(dumpText('host dump', r));
    return dumpText('host dump', r);
  },
};
