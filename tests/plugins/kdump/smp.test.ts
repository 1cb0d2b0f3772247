// The SMP capture kernel: the CPUs the crash parked in the AP jump table blob come back through the
// jump table into the capture kernel, as kernel B brings them back after kexec (the SEV-ES kexec
// series' AP jump table parking); its real-mode trampoline lives in the low page the first kernel
// kept (crashkernel.ts).
import { describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from '../../../core/index.ts';
import {
  CAPTURE_KERNEL_SYMBOLS,
  crashKexec,
  kdumpCrash,
  kdumpSession,
  TRAMPOLINE_OWNER,
} from '../../../plugins/kdump/index.ts';
import { kdumpLoad } from '../../../plugins/kdump/load.ts';
import { bootedMachine, loadedMachine, scratchDir, tool } from './rig.ts';

const ipis = (m: Machine, from: number) =>
  m.log.events
    .slice(from)
    .flatMap((e) =>
      e.kind === 'ipi' && e.type !== 'NMI' ? [`${e.type} ${e.from}->${e.to}: ${e.note ?? ''}`] : [],
    );
const apIdle = (m: Machine) =>
  kdumpSession(m).loaded!.region.base + CAPTURE_KERNEL_SYMBOLS.capture_ap_idle + 2;

describe('smp: true on a 4-vCPU SEV-ES guest, sysrq-c on cpu0', () => {
  const m = loadedMachine({ smp: true });
  const from = m.log.length;
  const r = crashKexec(m, 0);

  test('the capture kernel reports all four CPUs online', () => {
    if (r.kind !== 'captured') throw new Error(r.why);
    expect(r.crash).toMatchObject({ cpu: 0, stopped: [1, 2, 3], captureCpus: 4 });
    expect(
      String(m.plugins.commands.get('kdump')!.run(['status'], m))
        .split('\n')
        .at(-1),
    ).toBe('capture kernel: running on cpu0 with 4 CPUs online (halted)');
  });

  test('the stopped APs parked in the blob; INIT-SIPI-SIPI releases each hold', () => {
    expect(ipis(m, from)).toEqual(
      [1, 2, 3].flatMap((i) => [
        `INIT 0->${i}: INIT received`,
        `SIPI 0->${i}: released AP reset hold (MSR form)`,
        `SIPI 0->${i}: cpu${i} did not receive an INIT (state running)`,
      ]),
    );
  });

  test('the APs idle in the capture kernel; its reset vector is in the jump table', () => {
    expect(m.vcpus.map((v) => v.state)).toEqual(['halted', 'halted', 'halted', 'halted']);
    expect(m.vcpus.slice(1).map((v) => Number(v.cpu.getReg('rip')))).toEqual([1, 2, 3].map(() => apIdle(m)));
    const jt = m.config.firmware.apJumpTable!;
    expect([m.memory.read16(jt), m.memory.read16(jt + 2)]).toEqual([0, 0x7000]); // IP 0, CS 0x70000 >> 4
  });

  test('the trampoline was copied to the low page the first kernel kept, with its relocations applied', () => {
    expect(m.memory.reservedAt(0x70000)).toMatchObject({
      base: 0x70000,
      length: 4096,
      owner: TRAMPOLINE_OWNER,
    });
    const s = CAPTURE_KERNEL_SYMBOLS;
    const off = (sym: number) => 0x70000 + sym - s.capture_trampoline_start;
    expect(m.memory.read32(off(s.ct_startup_32_ptr))).toBe(off(s.ct_startup_32));
    expect(m.memory.read32(off(s.ct_gdt_desc) + 2)).toBe(off(s.ct_gdt));
    expect(m.memory.read32(off(s.ct_pgd))).toBe(kdumpSession(m).loaded!.capture.pageTable);
    const region = kdumpSession(m).loaded!.region.base;
    expect(m.memory.read32(off(s.ct_start64))).toBe(region + s.capture_secondary_startup_64);
    // objdump reads the copied page as the real-mode entry.
    const file = join(scratchDir(), 'trampoline.bin');
    writeFileSync(file, m.memory.read(0x70000, 16));
    const dis = tool('objdump', ['-D', '-b', 'binary', '-m', 'i8086', file]);
    expect(
      [...dis.matchAll(/^\s+[0-9a-f]+:\t[0-9a-f ]+\t(.+)$/gm)].slice(0, 4).map((x) => x[1]!.trim()),
    ).toEqual(['cli', 'mov    %cs,%ax', 'mov    %ax,%ds', 'mov    %ax,%es']);
  });
});

test('an oops on cpu2 brings cpu1 and cpu3 back; the old boot CPU stays parked (KVM first SIPI)', () => {
  const m = loadedMachine({ smp: true });
  m.memory.write(0x180_0000, Uint8Array.of(0x0f, 0x0b)); // ud2
  const v = m.vcpu(2);
  v.cpu.setReg('rip', 0x180_0000);
  v.cpu.halted = false;
  m.hv.setState(v, 'running', 'test');
  const from = m.log.length;
  expect(m.run({ maxInstructions: 10_000_000 })).toEqual({ kind: 'idle' });
  expect(kdumpCrash(m)).toMatchObject({ cpu: 2, stopped: [0, 1, 3], captureCpus: 3 });
  expect([1, 3].map((i) => Number(m.vcpu(i).cpu.getReg('rip')))).toEqual([1, 3].map(() => apIdle(m)));
  // cpu0 booted at reset, never through a SIPI: KVM's sev_vcpu_deliver_sipi_vector takes the first
  // SIPI it ever gets as the launch SIPI and leaves the hold's response unwritten, the blob holds
  // again, and the second SIPI finds no INIT. The capture kernel's wait runs out without cpu0.
  expect(ipis(m, from).slice(0, 3)).toEqual([
    'INIT 2->0: INIT received',
    'SIPI 2->0: first SIPI: start at the launch-time VMSA state',
    'SIPI 2->0: cpu0 did not receive an INIT (state running)',
  ]);
  expect(m.vcpu(0).state).toBe('ap-reset-hold');
});

test('on a plain VM the INIT resets the halted CPUs and the SIPI starts them at the trampoline page', () => {
  const m = loadedMachine({ smp: true, sev: 'none' });
  const from = m.log.length;
  const r = crashKexec(m, 0);
  if (r.kind !== 'captured') throw new Error(r.why);
  expect(r.crash.captureCpus).toBe(4);
  expect(ipis(m, from).slice(0, 3)).toEqual([
    'INIT 0->1: registers reset',
    'SIPI 0->1: start at 0x7000:0x0',
    'SIPI 0->1: cpu1 did not receive an INIT (state running)',
  ]);
});

test('under SEV-ES without the blob (GHCB protocol 1) kexec -p of an SMP capture kernel is refused', () => {
  const m = bootedMachine({ smp: true, protocolMax: 1 });
  expect(kdumpLoad(m)).toEqual({
    kind: 'failed',
    why: 'smp capture kernel: kexec_load: -ENOSYS: GHCB protocol version 1 has no MSR-based AP reset hold (parking needs version 2)',
  });
});

test('without smp the capture kernel stays on the crashing CPU and starts nobody', () => {
  const m = loadedMachine({ park: true });
  const from = m.log.length;
  const r = crashKexec(m, 1);
  if (r.kind !== 'captured') throw new Error(r.why);
  expect(r.crash.captureCpus).toBe(1);
  expect(ipis(m, from)).toEqual([]);
  expect(m.vcpus.map((v) => v.state)).toEqual(['ap-reset-hold', 'halted', 'ap-reset-hold', 'ap-reset-hold']);
});
