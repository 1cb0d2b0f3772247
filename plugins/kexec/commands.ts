/**
 * REPL commands: `boot a|b|c|FILE`, `kexec load FILE|a|b|c [--force]`, `kexec exec`, `kexec status`,
 * `blob load FILE`, `blob show`, `cpu offline N`, `cpu online N`.
 */
import { CommandError, CommandFailed, type Machine, type PluginCommand } from '../../core/index.ts';
import { AP_JUMP_TABLE_PAGE_SIZE } from '../jump-table/index.ts';
import {
  type ActionOutcome,
  blobLoadAction,
  bootAction,
  hotplugAction,
  kexecExecAction,
  kexecLoadAction,
  statusText,
} from './actions.ts';
import { kexecSession } from './session.ts';

/** A refused request changes nothing (CommandError); a run that failed stays to be looked at (CommandFailed). */
const refused = (r: ActionOutcome): string => {
  if (!r.ok) throw new CommandError(r.text);
  return r.text;
};
const ran = (r: ActionOutcome): string => {
  if (!r.ok) throw new CommandFailed(r.text);
  return r.text;
};

function oneArg(args: string[], usage: string, what: string): string {
  if (args.length !== 1 || !args[0]) throw new CommandError(`give ${what}: ${usage}`);
  return args[0];
}

function cpuNumber(word: string | undefined, usage: string): number {
  const n = word !== undefined && /^\d+$/.test(word) ? Number(word) : Number.NaN;
  if (!Number.isInteger(n)) throw new CommandError(`'${word ?? ''}' is not a CPU number: ${usage}`);
  return n;
}

export const bootCommand: PluginCommand = {
  name: 'boot',
  summary: 'boot a test kernel (a, b, c) or a kernel ELF file: firmware, direct kernel boot, SMP bring-up',
  usage: 'boot a | boot b | boot c | boot path/to/kernel.elf',
  run: (args, m) => ran(bootAction(m, oneArg(args, 'boot a', 'one kernel'), process.cwd())),
  complete: () => ['a', 'b', 'c'],
};

const KEXEC_USAGE = 'kexec load a|b|c|FILE [--force] | kexec exec | kexec status';

export const kexecCommand: PluginCommand = {
  name: 'kexec',
  summary: 'load a kernel image for kexec, hand over to it, or show the kexec state',
  usage: `${KEXEC_USAGE}   example: kexec load b`,
  run(args, m) {
    const [verb, ...rest] = args;
    if (verb === 'load') {
      const force = rest.includes('--force');
      const names = rest.filter((a) => a !== '--force');
      return refused(
        kexecLoadAction(m, oneArg(names, 'kexec load b', 'one kernel image'), process.cwd(), force),
      );
    }
    if (verb === 'exec' && rest.length === 0) return ran(kexecExecAction(m));
    if (verb === 'status' && rest.length === 0) return statusText(m);
    throw new CommandError(`unknown kexec form '${args.join(' ')}': ${KEXEC_USAGE}`);
  },
  complete: (args) => (args.length <= 1 ? ['load', 'exec', 'status'] : ['a', 'b', 'c', '--force']),
};

function blobShow(m: Machine): string {
  const s = kexecSession(m);
  const b = s.blob;
  const lines = [`blob: ${s.blobSource}, ${b.bytes.length} bytes, GDT at 0x${b.gdtOffset.toString(16)}`];
  const i = s.install;
  if (i?.kind === 'installed') {
    const page = m.memory.read(i.state.gpa, 8);
    const w = (o: number) => (page[o]! | (page[o + 1]! << 8)).toString(16).padStart(4, '0');
    lines.push(
      `installed at 0x${i.state.gpa.toString(16)}: reset vector ${w(2)}:${w(0)}, GDT offset 0x${w(4)}`,
    );
  } else lines.push(`not installed${i ? ` (${i.kind}: ${i.reason})` : ''}`);
  lines.push(`page room: ${AP_JUMP_TABLE_PAGE_SIZE - b.bytes.length} bytes above the blob for its stack`);
  return lines.join('\n');
}

const BLOB_USAGE = 'blob load path/to/blob.bin | blob show';

export const blobCommand: PluginCommand = {
  name: 'blob',
  summary: 'use your own AP jump table parking blob (validated, then installed like the shipped one)',
  usage: BLOB_USAGE,
  run(args, m) {
    const [verb, ...rest] = args;
    if (verb === 'load')
      return refused(blobLoadAction(m, oneArg(rest, BLOB_USAGE, 'one blob file'), process.cwd()));
    if (verb === 'show' && rest.length === 0) return blobShow(m);
    throw new CommandError(`unknown blob form '${args.join(' ')}': ${BLOB_USAGE}`);
  },
  complete: (args) => (args.length <= 1 ? ['load', 'show'] : []),
};

const CPU_USAGE = 'cpu offline 2 | cpu online 2';

export const cpuCommand: PluginCommand = {
  name: 'cpu',
  summary: 'take a CPU offline (it parks in the blob, or the GHCB AP HLT loop) or bring it back online',
  usage: CPU_USAGE,
  run(args, m) {
    const [verb, n, ...rest] = args;
    if ((verb === 'offline' || verb === 'online') && rest.length === 0)
      return ran(hotplugAction(m, cpuNumber(n, CPU_USAGE), verb === 'offline' ? 'down' : 'up'));
    throw new CommandError(`unknown cpu form '${args.join(' ')}': ${CPU_USAGE}`);
  },
  complete: (args) => (args.length <= 1 ? ['offline', 'online'] : []),
};
