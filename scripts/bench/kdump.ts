/**
 * `bun scripts/bench/kdump.ts`: vmcore throughput for a 1 GiB SEV-ES guest running test kernel A
 * with 256 MiB of memory touched: the capture kernel's vmcore (guest view, plaintext) and the host
 * dump (hypervisor view, the page cipher on every private page), in MiB of guest memory written per
 * second (best of 3), with the file's size and the bytes it occupies on disk. Then the same guest
 * with nothing touched beyond the kernel: the vmcore of a sparse guest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine, machineConfig } from '../../core/index.ts';
import { crashKexec, kdumpLoad, kdumpPlugin, writeHostDump, writeVmcore } from '../../plugins/kdump/index.ts';
import { readKernelImage } from '../../plugins/kexec/image.ts';
import { bootKernel } from '../../plugins/kexec/kernel-boot.ts';
import { kexecSession } from '../../plugins/kexec/session.ts';

const MiB = 2 ** 20;
const TOUCHED = 256 * MiB;
/** The touched range: above the kernels (16, 32 MiB), the GHCBs (48 MiB) and crashkernel (64 MiB). */
const TOUCHED_BASE = 128 * MiB;

function crashedGuest(touched: number): Machine {
  const m = new Machine(machineConfig({ vcpus: 4, memory: 1024 * MiB, sev: 'es', ghcbBase: 48 * MiB }));
  m.plugins.use(kdumpPlugin, { crashkernel: '16M@64M' });
  const f = readKernelImage('a', '.', m.config.memory);
  if (!f.ok) throw new Error(f.message);
  const b = bootKernel(m, kexecSession(m), f.file);
  if (b.kind !== 'booted') throw new Error(b.why);
  const page = new Uint8Array(4096);
  for (let gpa = TOUCHED_BASE; gpa < TOUCHED_BASE + touched; gpa += 4096) {
    page.fill(gpa / 4096);
    m.memory.write(gpa, page);
  }
  const l = kdumpLoad(m);
  if (l.kind !== 'loaded') throw new Error(l.why);
  const c = crashKexec(m, 0);
  if (c.kind !== 'captured') throw new Error(c.why);
  return m;
}

const dir = mkdtempSync(join(tmpdir(), 'sevlab-bench-kdump-'));
try {
  const m = crashedGuest(TOUCHED);
  for (const [label, write] of [
    ['vmcore (guest view)', writeVmcore],
    ['host dump (hvRead, ciphertext)', writeHostDump],
  ] as const) {
    let best = Number.POSITIVE_INFINITY;
    let last: ReturnType<typeof writeVmcore> | null = null;
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      last = write(m, join(dir, 'core'));
      best = Math.min(best, performance.now() - t0);
    }
    if (last?.kind !== 'written') throw new Error(`${label}: ${last?.kind === 'failed' ? last.why : '?'}`);
    const mibs = last.memoryBytes / MiB / (best / 1000);
    console.log(
      `${label.padEnd(32)} ${mibs.toFixed(0).padStart(6)} MiB/s  ${(last.memoryBytes / MiB).toFixed(1)} MiB of memory, ` +
        `file ${(last.bytes / MiB).toFixed(1)} MiB, on disk ${(last.diskBytes / MiB).toFixed(1)} MiB, ` +
        `${last.segments} PT_LOAD, ${best.toFixed(0)} ms`,
    );
  }
  const sparse = crashedGuest(0);
  const r = writeVmcore(sparse, join(dir, 'sparse'));
  if (r.kind !== 'written') throw new Error(r.why);
  console.log(
    `${'vmcore of the sparse 1 GiB guest'.padEnd(32)} file ${(r.bytes / 1024).toFixed(0)} KiB, on disk ` +
      `${(r.diskBytes / 1024).toFixed(0)} KiB, ${r.segments} PT_LOAD`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
