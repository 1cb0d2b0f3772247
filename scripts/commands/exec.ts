import { readFileSync } from 'node:fs';
import { Cpu, DebugExit, GuestMemory, type Platform, PortBus, type StopReason } from '../../core/index.ts';
import { type Command, numberFlag, UsageError } from './types.ts';

const usage = `Usage: sevlab exec --mode real --load ADDR=FILE [--load ADDR=FILE ...] --entry SEG:OFF
                   [--max-instructions N] [--memory BYTES] [--json]

Runs flat binaries the way a BIOS starts a boot sector: real mode, the reset state (CR0 = 0x60000010,
EFLAGS = 2), DL = 0x80, SS:SP = 0000:7C00, then CS:IP = SEG:OFF. Ports: an isa-debug-exit device on
0xF4 (a write of V ends the run with status (V << 1) | 1, as QEMU's -device isa-debug-exit); every
other port reads as all ones. Stops at the debug exit, at HLT with interrupts off, at a triple fault
or after N instructions.

Exit status, as with QEMU: at the debug exit, the device's status (V << 1) | 1 (its low 8 bits, as a
process keeps them), so a boot-sector test written for QEMU's isa-debug-exit reads the same status;
0 at HLT; 1 at any other stop (triple fault, instruction limit); 2 for a usage error.

  --mode real          the one mode: a boot sector starts in real mode
  --load ADDR=FILE     copy FILE into guest memory at physical ADDR (decimal or 0x hex)
  --entry SEG:OFF      first instruction, as real-mode segment:offset (hex), e.g. 0x0000:0x7c00
  --max-instructions N stop after N instructions (default 10000000000)
  --memory BYTES       guest RAM size (default 0x1000000, 16 MiB)
  --json               print {"exit":{...},"instructions":N,"seconds":S,"mips":M}

Example:
  sevlab exec --mode real --load 0x7c00=boot.bin --entry 0x0000:0x7c00 --json`;

export interface ExecOptions {
  loads: { gpa: number; bytes: Uint8Array }[];
  entry: { cs: number; ip: number };
  maxInstructions: number;
  memoryBytes: number;
}

export type ExecExit = { kind: 'debug-exit'; status: number } | StopReason;

export interface ExecResult {
  exit: ExecExit;
  instructions: number;
  seconds: number;
  mips: number;
}

/** Boot-sector style run in this process (the bench calls it directly). */
export function runExec(o: ExecOptions): ExecResult {
  const memory = new GuestMemory({ size: o.memoryBytes });
  for (const l of o.loads) memory.write(l.gpa, l.bytes);
  const ports = new PortBus();
  let status: number | undefined;
  let cpu: Cpu | undefined;
  ports.add(
    0xf4,
    1,
    new DebugExit({
      onExit: (s) => {
        status = s;
        cpu?.requestStop(`isa-debug-exit status ${s}`);
      },
    }),
  );
  const platform: Platform = {
    cpuid: () => ({ eax: 0, ebx: 0, ecx: 0, edx: 0 }),
    rdmsr: () => undefined,
    wrmsr: () => false,
    ioIn: (port, size) => ports.in(port, size),
    ioOut: (port, size, value) => ports.out(port, size, value),
    mmioRead: () => 0n,
    mmioWrite: () => {},
  };
  cpu = new Cpu({ memory, platform, sevEs: false });
  cpu.setReg('dl', 0x80n);
  cpu.setReg('ss', 0n);
  cpu.setReg('sp', 0x7c00n);
  cpu.setReg('cs', BigInt(o.entry.cs));
  cpu.setReg('ip', BigInt(o.entry.ip));
  const t0 = performance.now();
  const stop = cpu.run({ maxInstructions: o.maxInstructions });
  const seconds = (performance.now() - t0) / 1000;
  const instructions = cpu.instructionsRetired;
  const exit: ExecExit =
    stop.kind === 'stop-requested' && status !== undefined ? { kind: 'debug-exit', status } : stop;
  return { exit, instructions, seconds, mips: seconds > 0 ? instructions / seconds / 1e6 : 0 };
}

export function parseExecArgs(argv: readonly string[]): ExecOptions & { json: boolean } {
  const o: ExecOptions & { json: boolean } = {
    loads: [],
    entry: { cs: -1, ip: -1 },
    maxInstructions: 10_000_000_000,
    memoryBytes: 0x1000000,
    json: false,
  };
  let mode: string | undefined;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    const next = () => argv[++k];
    switch (a) {
      case '--mode':
        mode = next();
        break;
      case '--load': {
        const spec = next() ?? '';
        const eq = spec.indexOf('=');
        if (eq < 0) throw new UsageError(`--load takes ADDR=FILE, not '${spec}'`);
        const gpa = numberFlag('--load', spec.slice(0, eq));
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(readFileSync(spec.slice(eq + 1)));
        } catch {
          throw new UsageError(`cannot read '${spec.slice(eq + 1)}'`);
        }
        o.loads.push({ gpa, bytes });
        break;
      }
      case '--entry': {
        const spec = next() ?? '';
        const m = /^(0x)?([0-9a-f]{1,4}):(0x)?([0-9a-f]{1,4})$/i.exec(spec);
        if (!m) throw new UsageError(`--entry takes SEG:OFF in hex (0x0000:0x7c00), not '${spec}'`);
        o.entry = { cs: Number.parseInt(m[2]!, 16), ip: Number.parseInt(m[4]!, 16) };
        break;
      }
      case '--max-instructions':
        o.maxInstructions = numberFlag(a, next());
        break;
      case '--memory':
        o.memoryBytes = numberFlag(a, next());
        break;
      case '--json':
        o.json = true;
        break;
      default:
        throw new UsageError(`unknown option '${a}'; see sevlab exec --help`);
    }
  }
  if (mode !== 'real') throw new UsageError(`--mode ${mode ?? '(missing)'}: the one mode is 'real'`);
  if (o.loads.length === 0) throw new UsageError('give at least one --load ADDR=FILE');
  if (o.entry.cs < 0) throw new UsageError('give --entry SEG:OFF');
  if (o.memoryBytes % 4096 !== 0 || o.memoryBytes <= 0)
    throw new UsageError('--memory must be a multiple of 4096');
  for (const l of o.loads) {
    if (l.gpa + l.bytes.length > o.memoryBytes) {
      throw new UsageError(`--load at 0x${l.gpa.toString(16)} does not fit in ${o.memoryBytes} bytes of RAM`);
    }
  }
  return o;
}

/** The process exit status: QEMU's for the debug exit (exit((V << 1) | 1), low 8 bits), 0 at HLT, else 1. */
export function execStatus(exit: ExecExit): number {
  if (exit.kind === 'debug-exit') return exit.status & 0xff;
  return exit.kind === 'hlt' ? 0 : 1;
}

const bigHex = (_k: string, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v);

export const execCommand: Command = {
  name: 'exec',
  summary: 'run a flat binary (a boot sector) on one vCPU and report how it ended',
  usage,
  run(argv) {
    const o = parseExecArgs(argv);
    const r = runExec(o);
    if (o.json) {
      console.log(
        JSON.stringify(
          { exit: r.exit, instructions: r.instructions, seconds: r.seconds, mips: r.mips },
          bigHex,
        ),
      );
    } else {
      console.log(`exit: ${JSON.stringify(r.exit, bigHex)}`);
      console.log(`${r.instructions} instructions in ${r.seconds.toFixed(3)} s (${r.mips.toFixed(1)} MIPS)`);
    }
    return execStatus(r.exit);
  },
};
