/** Runs GNU objdump (an outside oracle) and returns its instruction lines by address. */
import { spawnSync } from 'node:child_process';

export interface DisasmLine {
  address: number;
  bytes: string;
  text: string;
}

export function objdump(args: readonly string[]): DisasmLine[] {
  const r = spawnSync('objdump', args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`objdump ${args.join(' ')} failed: ${r.stderr}`);
  const lines: DisasmLine[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$/.exec(line);
    if (m)
      lines.push({
        address: Number.parseInt(m[1]!, 16),
        bytes: m[2]!.trim(),
        text: m[3]!.replace(/\s+/g, ' '),
      });
  }
  return lines;
}

/** address -> "bytes | text" for the lines in [from, to). */
export function listing(lines: readonly DisasmLine[], from: number, to: number): string[] {
  return lines
    .filter((l) => l.address >= from && l.address < to)
    .map((l) => `${l.address.toString(16)}: ${l.bytes} | ${l.text}`);
}
