// KVM behaviour from arch/x86/kvm/svm/sev.c (sev_vcpu_deliver_sipi_vector, sev_handle_vmgexit_msr_protocol).
import { describe, expect, test } from 'bun:test';
import { Ghcb } from '../../core/sev/ghcb.ts';
import { GHCB_BASE, protocolRig } from '../helpers/protocol-rig.ts';

function started() {
  const r = protocolRig();
  const ap = r.vcpus[1]!;
  // Bring the AP up the first time: INIT, then the first SIPI starts it at its launch state.
  r.hv.init(r.bsp, ap);
  r.hv.sipi(r.bsp, ap, 0x9f);
  return { ...r, ap };
}

describe('AP reset hold, MSR form (protocol v2)', () => {
  test('0x006 holds the AP with the response preset to 0x007, result 0', () => {
    const r = started();
    expect(r.ap.state).toBe('running');
    r.ap.cpu.ghcbMsr = 0x006n;
    r.hv.vmgexit(r.ap);
    expect(r.ap.state).toBe('ap-reset-hold');
    expect(r.ap.cpu.ghcbMsr).toBe(0x007n);
  });
  test('INIT then SIPI releases it with result 1: MSR = (1 << 12) | 0x007', () => {
    const r = started();
    r.ap.cpu.ghcbMsr = 0x006n;
    r.hv.vmgexit(r.ap);
    r.hv.init(r.bsp, r.ap);
    expect(r.ap.state).toBe('ap-reset-hold');
    r.hv.sipi(r.bsp, r.ap, 0x10);
    expect(r.ap.cpu.ghcbMsr).toBe(0x1007n);
    expect(r.ap.state).toBe('running');
  });
  test('a duplicate SIPI after the release changes nothing', () => {
    const r = started();
    r.ap.cpu.ghcbMsr = 0x006n;
    r.hv.vmgexit(r.ap);
    r.hv.init(r.bsp, r.ap);
    r.hv.sipi(r.bsp, r.ap, 0x10);
    r.ap.cpu.ghcbMsr = 0x1234_5000n;
    r.hv.sipi(r.bsp, r.ap, 0x10);
    expect(r.ap.cpu.ghcbMsr).toBe(0x1234_5000n);
    expect(r.events('ipi').at(-1)).toMatchObject({ type: 'SIPI', delivered: false });
  });
  test('a SIPI before the hold (AP running, no INIT) changes nothing', () => {
    const r = started();
    r.hv.sipi(r.bsp, r.ap, 0x10);
    expect(r.ap.state).toBe('running');
    expect(r.events('ipi').at(-1)?.delivered).toBe(false);
  });
  test('a SIPI without INIT does not release a holding AP', () => {
    const r = started();
    r.ap.cpu.ghcbMsr = 0x006n;
    r.hv.vmgexit(r.ap);
    r.hv.sipi(r.bsp, r.ap, 0x10);
    expect(r.ap.state).toBe('ap-reset-hold');
    expect(r.ap.cpu.ghcbMsr).toBe(0x007n);
  });
  test('a hostile hypervisor dropping the SIPI leaves the AP holding', () => {
    const r = protocolRig({ hv: { hostile: { dropSipi: [1] } } });
    const ap = r.vcpus[1]!;
    r.hv.init(r.bsp, ap);
    r.hv.sipi(r.bsp, ap, 0); // SIPI 0: first SIPI, starts it
    ap.cpu.ghcbMsr = 0x006n;
    r.hv.vmgexit(ap);
    r.hv.init(r.bsp, ap);
    r.hv.sipi(r.bsp, ap, 0); // SIPI 1: dropped
    expect(ap.state).toBe('ap-reset-hold');
    expect(r.events('ipi').at(-1)?.note).toBe('dropped by the hypervisor');
  });
  test('a wake-up that is not a SIPI releases with result 0, so the guest must hold again', () => {
    const r = started();
    r.ap.cpu.ghcbMsr = 0x006n;
    r.hv.vmgexit(r.ap);
    r.hv.spuriousWake(r.ap);
    expect(r.ap.state).toBe('running');
    expect(r.ap.cpu.ghcbMsr).toBe(0x007n);
  });
  test('a protocol-1 hypervisor does not know 0x006: the MSR stays unchanged', () => {
    const r = protocolRig({ hv: { protocolMax: 1 } });
    r.bsp.cpu.ghcbMsr = 0x006n;
    r.hv.vmgexit(r.bsp);
    expect(r.bsp.cpu.ghcbMsr).toBe(0x006n);
    expect(r.bsp.state).toBe('running');
  });
});

describe('AP reset hold, GHCB form (SVM_VMGEXIT_AP_HLT_LOOP)', () => {
  test('holds, and the releasing SIPI sets sw_exit_info_2 = 1 in that GHCB', () => {
    const r = started();
    r.kernel.negotiate(r.bsp);
    r.kernel.hvCall(r.ap, 0x80000004, 0n, 0n);
    expect(r.ap.state).toBe('ap-reset-hold');
    const gpa = GHCB_BASE + 4096;
    expect(new Ghcb(r.memory.read(gpa, 4096)).get('sw_exit_info_2')).toBe(0n);
    r.hv.init(r.bsp, r.ap);
    r.hv.sipi(r.bsp, r.ap, 0x10);
    expect(new Ghcb(r.memory.read(gpa, 4096)).get('sw_exit_info_2')).toBe(1n);
    expect(r.ap.state).toBe('running');
  });
});

describe('AP jump table', () => {
  test('SET stores the GPA unchecked, GET returns it, and the kernel caches it', () => {
    const r = protocolRig();
    r.kernel.hvCall(r.bsp, 0x80000005, 0n, 0x123n);
    expect(r.hv.apJumpTable).toBe(0x123);
    expect(r.kernel.getApJumpTable(r.bsp)).toEqual({ ok: true, gpa: 0x123 });
    r.hv.apJumpTable = 0x5000;
    expect(r.kernel.getApJumpTable(r.bsp)).toEqual({ ok: true, gpa: 0x123 });
    expect(r.events('vmgexit').map((e) => e.exitInfo1)).toEqual(['0x0', '0x1']);
  });
  test('a hostile GET answer is what the guest sees', () => {
    const r = protocolRig({ hv: { hostile: { apJumpTableGet: 0x1001 } } });
    expect(r.kernel.getApJumpTable(r.bsp)).toEqual({ ok: true, gpa: 0x1001 });
  });
});

describe('plain VM (sev: none)', () => {
  test('INIT resets registers and SIPI starts at vector << 8 : 0', () => {
    const r = protocolRig({ sev: 'none' });
    const ap = r.vcpus[1]!;
    r.hv.init(r.bsp, ap);
    r.hv.sipi(r.bsp, ap, 0x9a);
    expect(ap.state).toBe('running');
    expect(ap.cpu.getReg('cs')).toBe(0x9a00n);
    expect(ap.cpu.getReg('rip')).toBe(0n);
  });
});
