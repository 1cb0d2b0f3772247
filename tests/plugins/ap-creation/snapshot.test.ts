// The plugin's state outside guest memory in machine snapshots (api.onSnapshot): KVM's per-vCPU
// snp_vmsa_gpa / snp_ap_waiting_for_reset and the guest kernel's sev_vmsa go back with a restore.
import { describe, expect, test } from 'bun:test';
import { Machine, machineConfig } from '../../../core/index.ts';
import apCreationPlugin from '../../../plugins/ap-creation/index.ts';
import { rig } from './rig.ts';

const apCreate = async (m: Machine, line: string) =>
  String(await m.plugins.commands.get('ap-create')!.run(line.split(' '), m));

const FEATURE_LINE = 'GHCB_HV_FT_SNP_AP_CREATION: hypervisor advertises it; guest saw it at boot';

describe('AP creation state in machine snapshots', () => {
  test('an AP_CREATE_ON_INIT after the snapshot is undone: nothing pending, and an INIT leaves the AP waiting', async () => {
    const m = rig();
    const s = m.snapshot();
    expect(await apCreate(m, 'on-init 1 0x8000')).toBe('ok: VMSA 0x803000');
    expect(await apCreate(m, 'status')).toBe(
      [
        FEATURE_LINE,
        'cpu0 apic 0 running',
        'cpu1 apic 1 wait-for-sipi VMSA 0x803000, AP_CREATE_ON_INIT pending',
      ].join('\n'),
    );
    m.restore(s);
    expect(await apCreate(m, 'status')).toBe(
      [FEATURE_LINE, 'cpu0 apic 0 running', 'cpu1 apic 1 wait-for-sipi'].join('\n'),
    );
    m.sendIpi(0, { to: 1, type: 'INIT' });
    expect(m.vcpu(1).state).toBe('wait-for-sipi');
  });

  test('a request pending at the snapshot is pending again after the INIT that consumed it is undone', async () => {
    const m = rig();
    await apCreate(m, 'on-init 1 0x8000');
    const s = m.snapshot();
    m.sendIpi(0, { to: 1, type: 'INIT' });
    expect(m.vcpu(1).state).toBe('running');
    expect((await apCreate(m, 'status')).split('\n')[2]).toBe('cpu1 apic 1 running VMSA 0x803000');
    m.restore(s);
    expect((await apCreate(m, 'status')).split('\n')[2]).toBe(
      'cpu1 apic 1 wait-for-sipi VMSA 0x803000, AP_CREATE_ON_INIT pending',
    );
    m.sendIpi(0, { to: 1, type: 'INIT' });
    expect(m.vcpu(1).state).toBe('running');
    m.run({ only: [1], maxInstructions: 100 });
    expect(m.vcpu(1).cpu.getReg('ax')).toBe(0x1234n);
  });

  test('an AP destroyed after the snapshot has its VMSA back after restore', async () => {
    const m = rig();
    await apCreate(m, 'create 1 0x8000');
    const s = m.snapshot();
    expect(await apCreate(m, 'destroy 1')).toBe('ok: VMSA 0x803000');
    expect((await apCreate(m, 'status')).split('\n')[2]).toBe('cpu1 apic 1 offline');
    m.restore(s);
    expect((await apCreate(m, 'status')).split('\n')[2]).toBe('cpu1 apic 1 running VMSA 0x803000');
  });

  test('the plugin loaded after the snapshot goes back to no requests and no VMSAs', async () => {
    const m = new Machine(machineConfig({ vcpus: 2 }));
    const s0 = m.snapshot();
    m.plugins.use(apCreationPlugin, {}, 'test');
    expect(m.boot()).toBe(true);
    expect(await apCreate(m, 'on-init 1 0x8000')).toBe('ok: VMSA 0x803000');
    m.restore(s0);
    expect((await apCreate(m, 'status')).split('\n').slice(1)).toEqual([
      'cpu0 apic 0 running',
      'cpu1 apic 1 wait-for-sipi',
    ]);
  });
});
