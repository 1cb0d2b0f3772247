import { describe, expect, test } from 'bun:test';
import { runStateLabel } from '../../../scripts/repl/format/vcpu.ts';
import { fails, loadProgram, newSession, ok } from '../helpers.ts';

describe('running code', () => {
  test('break, continue, step and regs on a real-mode program', async () => {
    const s = newSession();
    await loadProgram(s);
    expect(await ok(s, 'break 0x7c04')).toBe('Breakpoint 1 at 0x7c04');
    expect(await ok(s, 'break')).toBe('1  0x7c04');
    expect(await ok(s, 'continue')).toBe(
      'Breakpoint 1, cpu0 at 0x7c04 after 2 instructions\ncpu0 real 0000:7c04 running  inc ax',
    );
    expect(await ok(s, 'print $ax')).toBe('0x1235 (4661)');
    expect(await ok(s, 'step')).toBe('stepped 1\ncpu0 real 0000:7c05 running  hlt');
    expect(await ok(s, 'step 5')).toBe(
      'no vCPU can run (halted, holding or waiting for a SIPI) after 1 instructions\ncpu0 real 0000:7c06 halted  add byte ptr [bx+si], al',
    );
    expect((await ok(s, 'regs')).split('\n')[1]).toBe(
      'rax    0000000000001236  rbx    0000000000000000  rcx    0000000000000000',
    );
    expect(await fails(s, 'step')).toBe(
      'cpu0 is halted, not running; wake it first (init, sipi); example: step 10',
    );
  });

  test('until runs to an address; delete removes breakpoints from every vCPU', async () => {
    const s = newSession();
    await loadProgram(s);
    await ok(s, 'break 0x7c03');
    expect(await ok(s, 'delete 1')).toBe('deleted breakpoint 1');
    expect(s.machine.vcpus.every((v) => v.cpu.codeHooks.size === 0)).toBe(true);
    expect(await ok(s, 'until 0x7c05')).toBe(
      'reached 0x7c05 after 3 instructions\ncpu0 real 0000:7c05 running  hlt',
    );
    expect(s.machine.vcpu(0).cpu.codeHooks.size).toBe(0);
  });

  test('set $REG and vcpu select', async () => {
    const s = newSession();
    expect(await ok(s, 'set $rbx = $rdx+1')).toBe('$rbx = 0xa00f12');
    expect(await ok(s, 'vcpu 2')).toBe('cpu2 real f000:fff0 wait SIPI  (fetch: outside memory)');
    expect(s.selected).toBe(2);
    expect(await ok(s, 'vcpus 1 2')).toBe(
      ' 1 real     f000:fff0        wait SIPI\n*2 real     f000:fff0        wait SIPI',
    );
  });

  test('INIT and SIPI start an AP; a later SIPI releases its reset hold; a hold on the jump table page is parked', async () => {
    const s = newSession();
    expect(await ok(s, 'init 1')).toStartWith('INIT cpu0 -> cpu1: INIT received\n');
    expect(await ok(s, 'sipi 1 0x9f')).toStartWith(
      'SIPI cpu0 -> cpu1: first SIPI: start at the launch-time VMSA state\n',
    );
    expect(s.machine.vcpu(1).state).toBe('running');
    await ok(s, 'vcpu 1');
    expect(await ok(s, 'msr-proto ap-reset-hold')).toBe(
      'GHCB_MSR_AP_RESET_HOLD_REQ (0x6)\n-> GHCB_MSR_AP_RESET_HOLD_RESP result=0 (not released: hold again) (0x7)\ncpu1 is in AP reset hold until a SIPI',
    );
    const v = s.machine.vcpu(1);
    expect(runStateLabel(v, s.machine)).toBe('reset hold');
    v.cpu.setSegment('cs', { ...v.cpu.getSegment('cs'), base: 0xff00000n });
    expect(runStateLabel(v, s.machine)).toBe('parked');
    await ok(s, 'vcpu 0');
    await ok(s, 'init 1');
    expect(await ok(s, 'sipi 1 0x10')).toStartWith('SIPI cpu0 -> cpu1: released AP reset hold (MSR form)\n');
    expect(await ok(s, 'rdmsr 0xc0010130')).toBe('0xc0010130 = 0xfc00000 (GHCB GPA 0xfc00000)');
    await ok(s, 'vcpu 1');
    expect(await ok(s, 'rdmsr 0xc0010130')).toBe(
      '0xc0010130 = 0x1007 (GHCB_MSR_AP_RESET_HOLD_RESP result=1 (released))',
    );
  });
});
