/**
 * `bun scripts/bench/kexec.ts [--vcpus 1,64,1024,4096] [--sev es|none]`: wall time of one full kexec
 * cycle on the emulator (every AP parked through stop_this_cpu and the blob, the BSP handed over to
 * the next kernel, every AP woken and online there), after a boot that is not timed. Prints one line
 * per vCPU count with the time, the time per vCPU and the instructions, then whether the cost grows
 * linearly (the time per vCPU at the largest count against the smallest count of at least 64).
 * `--repeats N` (default 3): each row is the median of N cycles.
 */
import { Machine, machineConfig } from '../../core/index.ts';
import { bootKernel, kexecExec, kexecSession, readKernelImage } from '../../plugins/kexec/index.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const counts = arg('vcpus', '1,64,1024,4096').split(',').map(Number);
const sev = arg('sev', 'es') as 'es' | 'none';

function kernel(name: string, memory: number) {
  const r = readKernelImage(name, '.', memory);
  if (!r.ok) throw new Error(r.message);
  return r.file;
}

interface Row {
  vcpus: number;
  ms: number;
  instructions: number;
  events: number;
}

function cycle(vcpus: number): Row {
  const m = new Machine(machineConfig({ vcpus, sev, memory: 512 * 2 ** 20, ghcbBase: 0x400_0000 }));
  const s = kexecSession(m);
  const boot = bootKernel(m, s, kernel('a', m.config.memory));
  if (boot.kind !== 'booted') throw new Error(`boot with ${vcpus} vCPUs: ${boot.why}`);
  s.loaded = kernel('b', m.config.memory);
  // Collect the earlier machines now, not inside the timed cycle.
  Bun.gc(true);
  const i0 = m.instructions;
  const e0 = m.log.length;
  const t0 = performance.now();
  const r = kexecExec(m, s);
  const ms = performance.now() - t0;
  if (r.kind !== 'booted')
    throw new Error(`kexec with ${vcpus} vCPUs: ${r.kind === 'failed' ? r.why : r.kind}`);
  if (r.booted.cpusOnline !== vcpus)
    throw new Error(`kexec with ${vcpus} vCPUs: ${r.booted.cpusOnline} online in kernel B`);
  return { vcpus, ms, instructions: m.instructions - i0, events: m.log.length - e0 };
}

// One untimed cycle first, so every row is measured with the interpreter and the models compiled.
cycle(256);
// Each count runs REPEATS times; the row is the median cycle (garbage collection makes single runs noisy).
const REPEATS = Number(arg('repeats', '3'));
const rows = counts.map((n) => {
  const runs = Array.from({ length: REPEATS }, () => cycle(n)).sort((a, b) => a.ms - b.ms);
  return { ...runs[Math.floor(runs.length / 2)]!, min: runs[0]!.ms };
});
console.log(`kexec cycle A -> B, sev ${sev}, median of ${REPEATS}`);
console.log('vcpus    time ms    min ms   us/vcpu  instructions   events');
for (const r of rows)
  console.log(
    `${String(r.vcpus).padStart(5)} ${r.ms.toFixed(1).padStart(9)} ${r.min.toFixed(1).padStart(9)} ${((r.ms * 1000) / r.vcpus).toFixed(1).padStart(9)} ${String(r.instructions).padStart(13)} ${String(r.events).padStart(8)}`,
  );
const big = rows.filter((r) => r.vcpus >= 64);
// Linear: the time per vCPU does not grow with the count.
if (big.length >= 2) {
  const per = (r: Row) => r.ms / r.vcpus;
  const ratio = per(big.at(-1)!) / per(big[0]!);
  console.log(
    `linear: time per vCPU at ${big.at(-1)!.vcpus} is ${ratio.toFixed(2)}x that at ${big[0]!.vcpus}`,
  );
}
