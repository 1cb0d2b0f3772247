import { MAX_VCPUS } from '../../core/index.ts';
import { parseNumber, parseSize } from './numbers.ts';

/** `sevlab repl` options, parsed; machine options are left unset when not given. */
export interface ReplOptions {
  scenario?: string;
  vcpus?: number;
  sev?: 'none' | 'es';
  memory?: number;
  seed?: number;
  protocol?: { min: number; max: number };
  cbit?: number;
  jumpTable?: number | null;
  ghcbBase?: number;
  plugins: string[];
  noPlugins: boolean;
  boot: boolean;
  script?: string;
  keepGoing: boolean;
  events: boolean;
  history?: string;
}

export class OptionError extends Error {
  override name = 'OptionError';
}

export const REPL_USAGE = `Usage: sevlab repl [--scenario FILE] [--vcpus N] [--sev none|es] [--memory SIZE] [--seed N]
                  [--protocol MIN..MAX] [--cbit N] [--jump-table GPA|none] [--ghcb-base GPA]
                  [--plugin NAME|FILE]... [--no-plugins] [--no-boot]
                  [--script FILE] [--keep-going] [--events] [--history FILE]

Opens a full-terminal REPL on a machine (default: 4 vCPUs, SEV-ES, GHCB protocol 1..2, AP jump table
below 4 GiB, firmware boot done) or on a scenario's machine. Type help inside for the commands.

With --script FILE, or with commands piped on stdin, the same commands run without the full-screen
UI: each command's output is printed, and the first error ends the run with status 1 (--keep-going
runs on and still exits 1). --events also prints the events each command produced.

  --scenario FILE     build the machine (and plugins) a scenario file describes
  --vcpus N           1..${MAX_VCPUS} vCPUs
  --sev none|es       plain VM or SEV-ES
  --memory SIZE       guest RAM, e.g. 256M, 4G
  --protocol MIN..MAX GHCB protocol range the hypervisor supports
  --jump-table GPA    AP jump table page firmware registers, or none
  --plugin NAME|FILE  load this plugin too, after the built-in or the scenario's ones (repeatable)
  --no-plugins        load no built-in plugin (only the --plugin ones)
  --no-boot           skip firmware start-up (protocol negotiation, AP_JUMP_TABLE SET)
  --history FILE      prompt history file (default $SEVLAB_HISTORY or ~/.sevlab_history)

Examples:
  sevlab repl --vcpus 16
  sevlab repl --sev none --memory 64M
  echo 'vmgexit cpuid 0x8000001f' | sevlab repl
  sevlab repl --script poke.repl --keep-going`;

function int(flag: string, text: string | undefined, min: number, max: number): number {
  const v = text === undefined ? null : parseNumber(text);
  if (v === null || v < BigInt(min) || v > BigInt(max))
    throw new OptionError(`${flag} takes a number from ${min} to ${max}, not '${text ?? ''}'`);
  return Number(v);
}

/** Parses `sevlab repl` arguments; a mistake is one sentence naming the option. */
export function parseReplOptions(argv: readonly string[]): ReplOptions {
  const o: ReplOptions = { plugins: [], noPlugins: false, boot: true, keepGoing: false, events: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new OptionError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--scenario':
        o.scenario = value();
        break;
      case '--vcpus':
        o.vcpus = int(flag, value(), 1, MAX_VCPUS);
        break;
      case '--sev': {
        const v = value();
        if (v !== 'none' && v !== 'es') throw new OptionError(`--sev takes none or es, not '${v}'`);
        o.sev = v;
        break;
      }
      case '--memory': {
        const v = value();
        const n = parseSize(v);
        if (n === null || n < 0x10_0000n || n > 2n ** 46n || n % 4096n !== 0n)
          throw new OptionError(
            `--memory takes a size from 1M to 64T in whole pages, such as 256M, not '${v}'`,
          );
        o.memory = Number(n);
        break;
      }
      case '--seed':
        o.seed = int(flag, value(), 0, Number.MAX_SAFE_INTEGER);
        break;
      case '--protocol': {
        const v = value();
        const m = /^(\d+)\.\.(\d+)$/.exec(v);
        if (!m) throw new OptionError(`--protocol takes MIN..MAX, such as 1..2, not '${v}'`);
        o.protocol = { min: Number(m[1]), max: Number(m[2]) };
        break;
      }
      case '--cbit':
        o.cbit = int(flag, value(), 32, 51);
        break;
      case '--jump-table': {
        const v = value();
        o.jumpTable = v === 'none' ? null : int(flag, v, 0, Number.MAX_SAFE_INTEGER);
        break;
      }
      case '--ghcb-base':
        o.ghcbBase = int(flag, value(), 0, Number.MAX_SAFE_INTEGER);
        break;
      case '--plugin':
        o.plugins.push(value());
        break;
      case '--no-plugins':
        o.noPlugins = true;
        break;
      case '--no-boot':
        o.boot = false;
        break;
      case '--script':
        o.script = value();
        break;
      case '--keep-going':
        o.keepGoing = true;
        break;
      case '--events':
        o.events = true;
        break;
      case '--history':
        o.history = value();
        break;
      default:
        throw new OptionError(`unknown option '${flag}'; see sevlab repl --help`);
    }
  }
  if (o.scenario !== undefined) {
    const clash = (['vcpus', 'sev', 'memory', 'protocol', 'cbit', 'jumpTable', 'ghcbBase'] as const).find(
      (k) => o[k] !== undefined,
    );
    if (clash)
      throw new OptionError(`--scenario sets the machine; leave out the machine options (got ${clash})`);
  }
  return o;
}
