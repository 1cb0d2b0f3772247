import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { Machine, machineConfig } from '../../../core/index.ts';
import {
  blobLoadAction,
  bootAction,
  kexecExecAction,
  kexecLoadAction,
  statusText,
} from '../../../plugins/kexec/actions.ts';
import { kexecPlugin } from '../../../plugins/kexec/index.ts';
import { AP_JUMP_TABLE_PANIC } from '../../../plugins/kexec/kernel-boot.ts';
import { KEXEC_REFUSAL, kexecSupported } from '../../../plugins/kexec/kexec-load.ts';
import { kexecSession } from '../../../plugins/kexec/session.ts';

function machine(apJumpTableGet?: number): Machine {
  const m = new Machine(
    machineConfig({
      vcpus: 3,
      memory: 256 * 2 ** 20,
      sev: 'es',
      ghcbBase: 0x400_0000,
      ...(apJumpTableGet !== undefined ? { hypervisor: { hostile: { apJumpTableGet } } } : {}),
    }),
  );
  m.plugins.use(kexecPlugin, {});
  return m;
}

const line = (text: string, prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));

describe('kexec when no kernel runs', () => {
  test('before any boot the check names the missing kernel, not an -ENOSYS', () => {
    const m = machine();
    const check = kexecSupported(m, kexecSession(m));
    expect(check).toEqual({
      ok: false,
      errno: null,
      reason: 'noKernel',
      message: `kexec_load: ${KEXEC_REFUSAL.noKernel}`,
    });
    expect(line(statusText(m), 'kexec:')).toBe(
      'kexec: kexec_load: no kernel is running: none booted, so none could install the AP jump table blob',
    );
  });

  test('an unaligned AP jump table panics the boot in setup_real_mode (no AP starts)', () => {
    const m = machine(0xff0_0800);
    expect(bootAction(m, 'a', '.')).toEqual({
      ok: false,
      text: `kernel A panicked: ${AP_JUMP_TABLE_PANIC}; cpu0 stopped`,
    });
    const kernelLines = m.log.events.flatMap((e) =>
      e.kind === 'log' && e.source === 'kernel' ? [e.message] : [],
    );
    expect(kernelLines.slice(-2)).toEqual([
      'Kernel panic - not syncing: Failed to get/update SEV-ES AP Jump Table',
      '---[ end Kernel panic - not syncing: Failed to get/update SEV-ES AP Jump Table ]---',
    ]);
    expect(m.vcpus.map((v) => v.state)).toEqual(['halted', 'ap-reset-hold', 'ap-reset-hold']);
    expect(kexecSupported(m, kexecSession(m))).toMatchObject({ ok: false, reason: 'noKernel' });
  });
});

describe('kexec after the VM terminated', () => {
  test('status, load and exec say the VM terminated', () => {
    const m = machine();
    expect(blobLoadAction(m, 'scenarios/jump-table/blobs/faulting_blob.bin', '.').ok).toBe(true);
    expect(bootAction(m, 'a', '.').ok).toBe(true);
    expect(kexecLoadAction(m, 'b', '.', false).ok).toBe(true);
    const exec = kexecExecAction(m);
    expect(exec.ok).toBe(false);
    expect(exec.text).toContain('triple fault on cpu1');
    const reason = m.hv.terminated?.reason ?? '';
    expect(reason).toStartWith('triple fault on cpu1: triple fault: UD2;');
    const status = statusText(m);
    expect(line(status, 'kernel:')).toBe(`kernel: A (stopped: the VM terminated: ${reason})`);
    expect(line(status, 'kexec:')).toBe(`kexec: not possible: the VM terminated: ${reason}`);
    expect(kexecLoadAction(m, 'b', '.', true)).toEqual({
      ok: false,
      text: `the VM terminated: ${reason}; no kernel is left to call kexec_load`,
    });
    expect(kexecExecAction(m)).toEqual({
      ok: false,
      text: `the VM terminated: ${reason}; no kernel is left to run kexec -e`,
    });
  });
});

describe('every kexec_load refusal reason is asserted by a scenario', () => {
  const files = [...new Bun.Glob('scenarios/**/*.yaml').scanSync('.')];
  const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  test.each(Object.keys(KEXEC_REFUSAL))('refused: %s', (reason) => {
    expect(text).toContain(`refused: ${reason} }`);
  });
});
