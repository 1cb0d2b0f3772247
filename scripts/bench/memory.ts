/**
 * `bun scripts/bench/memory.ts`: throughput of GuestMemory's accessors, the interpreter's ramPage()
 * path and the hypervisor's encrypted view. Prints one line per operation in millions of operations
 * per second (best of 5 runs over a 64 KiB working set), plus the cost of declaring 1 TiB.
 */
import { GuestMemory, PAGE_SIZE } from '../../core/memory/index.ts';

const WORKING_SET = 1 << 16;
const ROUNDS = 50;

function bench(label: string, ops: number, body: () => void): void {
  body(); // warm-up: let the JIT compile the path
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    body();
    best = Math.min(best, performance.now() - t0);
  }
  console.log(`${label.padEnd(34)} ${(ops / best / 1000).toFixed(3).padStart(9)} M ops/s`);
}

const mem = new GuestMemory({ size: 2 ** 30, defaultEncrypted: true });
for (let gpa = 0; gpa < WORKING_SET; gpa += PAGE_SIZE) mem.write8(gpa, 1);
let sink = 0;

bench('read8 (touched page)', WORKING_SET * ROUNDS, () => {
  for (let r = 0; r < ROUNDS; r++) for (let a = 0; a < WORKING_SET; a++) sink += mem.read8(a);
});
bench('write8 (touched page)', WORKING_SET * ROUNDS, () => {
  for (let r = 0; r < ROUNDS; r++) for (let a = 0; a < WORKING_SET; a++) mem.write8(a, a);
});
bench('read32 (aligned)', (WORKING_SET / 4) * ROUNDS, () => {
  for (let r = 0; r < ROUNDS; r++) for (let a = 0; a < WORKING_SET; a += 4) sink += mem.read32(a);
});
bench('write32 (aligned)', (WORKING_SET / 4) * ROUNDS, () => {
  for (let r = 0; r < ROUNDS; r++) for (let a = 0; a < WORKING_SET; a += 4) mem.write32(a, a);
});
bench('read64 (aligned, bigint)', (WORKING_SET / 8) * ROUNDS, () => {
  for (let r = 0; r < ROUNDS; r++)
    for (let a = 0; a < WORKING_SET; a += 8) sink += Number(mem.read64(a) & 1n);
});
bench('ramPage(gfn, false) + byte load', WORKING_SET * ROUNDS, () => {
  for (let r = 0; r < ROUNDS; r++) {
    for (let a = 0; a < WORKING_SET; a++) sink += mem.ramPage(a >>> 12, false)![a & 0xfff]!;
  }
});
bench('read8 (never-touched page)', WORKING_SET * 10, () => {
  for (let r = 0; r < 10; r++) for (let a = 0; a < WORKING_SET; a++) sink += mem.read8(0x1000_0000 + a);
});
bench('hvRead 4 KiB private page', 2000, () => {
  for (let i = 0; i < 2000; i++) mem.hvRead(0x1000, PAGE_SIZE);
});
bench('hvWrite 4 KiB private page', 2000, () => {
  const page = new Uint8Array(PAGE_SIZE);
  for (let i = 0; i < 2000; i++) mem.hvWrite(0x1000, page);
});

const t0 = performance.now();
const huge = new GuestMemory({ size: 2 ** 40 });
huge.write64(2 ** 40 - 8, 1n);
console.log(
  `${'declare 1 TiB + one write'.padEnd(34)} ${(performance.now() - t0).toFixed(3)} ms, ${huge.touchedPages()} page`,
);
if (sink === -1) console.log(sink);
