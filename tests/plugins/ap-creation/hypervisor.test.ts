import { describe, expect, test } from 'bun:test';
import { GHCB_ERR, type Machine } from '../../../core/index.ts';
import {
  apCreationInfo1,
  apInitVmsa,
  encodeVmsa,
  SVM_VMGEXIT_AP_CREATION,
} from '../../../plugins/ap-creation/index.ts';
import { rig, START_IP } from './rig.ts';

const VMSA = 0x80_3000;

/** A hand-made AP Creation request from cpu0 (fields exactly as given); returns info_1 and info_2. */
function raw(m: Machine, fields: { info1: bigint; info2: bigint; rax?: bigint }) {
  const g = m.rawGhcbExit(0, {
    fields: {
      sw_exit_code: BigInt(SVM_VMGEXIT_AP_CREATION),
      sw_exit_info_1: fields.info1,
      sw_exit_info_2: fields.info2,
      ...(fields.rax === undefined ? {} : { rax: fields.rax }),
    },
  });
  return [g.get('sw_exit_info_1'), g.get('sw_exit_info_2')];
}

function withVmsa(m: Machine, gpa = VMSA) {
  m.memory.write(gpa, encodeVmsa(apInitVmsa(START_IP, 0n)));
  return m;
}

describe('SVM_VMGEXIT_AP_CREATION on the hypervisor side', () => {
  test('without the plugin core refuses it for SEV-ES with GHCB_ERR_INVALID_EVENT', () => {
    const m = withVmsa(rig({ plugin: false }));
    expect(raw(m, { info1: apCreationInfo1(1, 1), info2: BigInt(VMSA), rax: 0n })).toEqual([2n, 6n]);
    expect(m.vcpu(1).state).toBe('wait-for-sipi');
  });

  test('the plugin advertises GHCB_HV_FT_SNP_AP_CREATION (bit 1) and the guest reads it at boot', () => {
    expect(rig().kernel.hvFeatures).toBe(2n);
    expect(rig({ plugin: false }).kernel.hvFeatures).toBe(0n);
    const hidden = rig({ options: { hideFeature: true } });
    expect(hidden.kernel.hvFeatures).toBe(0n);
  });

  test('AP_CREATE resumes with success and the AP runs from its VMSA: CS:IP 0800:0000', () => {
    const m = withVmsa(rig());
    expect(raw(m, { info1: apCreationInfo1(1, 1), info2: BigInt(VMSA), rax: 0n })).toEqual([0n, 0n]);
    expect(m.vcpu(1).state).toBe('running');
    expect(m.vcpu(1).cpu.getReg('cs')).toBe(0x800n);
    expect(m.vcpu(1).cpu.getReg('rip')).toBe(0n);
    expect(m.run({ only: [1], maxInstructions: 100 })).toEqual({ kind: 'idle' });
    expect(m.vcpu(1).state).toBe('halted');
    expect(m.vcpu(1).cpu.getReg('ax')).toBe(0x1234n);
  });

  // sev_es_validate_vmgexit + sev_snp_ap_creation: every refusal resumes the guest with info_1 = 2.
  test.each([
    [
      'an APIC ID no vCPU has',
      apCreationInfo1(7, 1),
      VMSA,
      0n,
      GHCB_ERR.INVALID_INPUT,
      'invalid AP APIC ID [0x7]',
    ],
    [
      'an unknown request',
      apCreationInfo1(1, 3),
      VMSA,
      0n,
      GHCB_ERR.INVALID_INPUT,
      'invalid AP creation request [0x3]',
    ],
    [
      "SEV features that are not the VM's",
      apCreationInfo1(1, 1),
      VMSA,
      1n,
      GHCB_ERR.INVALID_INPUT,
      'mismatched AP sev_features [0x1] != [0x0]',
    ],
    [
      'a VMSA GPA that is not page aligned',
      apCreationInfo1(1, 1),
      VMSA + 8,
      0n,
      GHCB_ERR.INVALID_INPUT,
      'invalid AP VMSA address [0x803008]',
    ],
    [
      'a VMSA beyond guest memory',
      apCreationInfo1(1, 1),
      0x1000_0000,
      0n,
      GHCB_ERR.INVALID_INPUT,
      'invalid AP VMSA address [0x10000000]',
    ],
    [
      'a 2 MiB-aligned VMSA (the SNP erratum)',
      apCreationInfo1(1, 1),
      0x20_0000,
      0n,
      GHCB_ERR.INVALID_INPUT,
      'AP VMSA address [0x200000] from guest is unsafe as it is 2M aligned',
    ],
    [
      'AP_CREATE_ON_INIT with a VMSA at GPA 0',
      apCreationInfo1(1, 0),
      0,
      0n,
      GHCB_ERR.INVALID_INPUT,
      'AP VMSA address [0x0] from guest is unsafe',
    ],
    [
      'AP_CREATE without RAX',
      apCreationInfo1(1, 1),
      VMSA,
      undefined,
      GHCB_ERR.MISSING_INPUT,
      'SVM_VMGEXIT_AP_CREATION needs rax',
    ],
  ])('%s is refused and the AP does not move', (_what, info1, gpa, rax, error, why) => {
    const m = withVmsa(rig());
    expect(raw(m, { info1, info2: BigInt(gpa), ...(rax === undefined ? {} : { rax }) })).toEqual([
      2n,
      BigInt(error),
    ]);
    const result = m.log.events.findLast((e) => e.kind === 'vmgexit-result');
    expect(result?.kind === 'vmgexit-result' && result.error?.includes(why)).toBe(true);
    expect(m.vcpu(1).state).toBe('wait-for-sipi');
  });

  test('AP_DESTROY needs no RAX and takes the AP offline; an INIT then has no effect', () => {
    const m = withVmsa(rig());
    raw(m, { info1: apCreationInfo1(1, 1), info2: BigInt(VMSA), rax: 0n });
    expect(raw(m, { info1: apCreationInfo1(1, 2), info2: 0n })).toEqual([0n, 0n]);
    expect(m.vcpu(1).state).toBe('offline');
    m.sendIpi(0, { to: 1, type: 'INIT' });
    expect(m.vcpu(1).state).toBe('offline');
  });

  test('AP_CREATE_ON_INIT waits for the INIT, then the AP runs from the VMSA', () => {
    const m = withVmsa(rig());
    expect(raw(m, { info1: apCreationInfo1(1, 0), info2: BigInt(VMSA), rax: 0n })).toEqual([0n, 0n]);
    expect(m.vcpu(1).state).toBe('wait-for-sipi');
    m.sendIpi(0, { to: 1, type: 'INIT' });
    expect(m.vcpu(1).state).toBe('running');
    m.run({ only: [1], maxInstructions: 100 });
    expect(m.vcpu(1).cpu.getReg('ax')).toBe(0x1234n);
  });

  test('a VMSA in a shared page: KVM says yes, VMRUN fails and the AP stays offline', () => {
    const m = withVmsa(rig());
    m.memory.setEncrypted(VMSA, 4096, false);
    expect(raw(m, { info1: apCreationInfo1(1, 1), info2: BigInt(VMSA), rax: 0n })).toEqual([0n, 0n]);
    expect(m.vcpu(1).state).toBe('offline');
    const last = m.log.events.filter((e) => e.kind === 'log' && e.source === 'kvm').at(-1);
    expect(last?.kind === 'log' && last.message).toBe(
      'VMRUN from VMSA 0x803000 failed (VMEXIT_INVALID): the VMSA page 0x803000 is shared, so the guest key decrypts it to noise',
    );
  });

  test.each([
    [
      'EFER.SVME is clear',
      (v: ReturnType<typeof apInitVmsa>) => {
        v.fields.efer = 0n;
      },
    ],
    [
      'CR0.NW is set without CR0.CD',
      (v: ReturnType<typeof apInitVmsa>) => {
        v.fields.cr0 = 0x2000_0011n;
      },
    ],
    [
      'EFER.LME and CR0.PG are set but CR4.PAE is clear',
      (v: ReturnType<typeof apInitVmsa>) => {
        v.fields.efer = 0x1100n;
        v.fields.cr0 = 0x8000_0011n;
      },
    ],
  ])('VMRUN refuses a VMSA where %s', (why, spoil) => {
    const m = rig();
    const v = apInitVmsa(START_IP, 0n);
    spoil(v);
    m.memory.write(VMSA, encodeVmsa(v));
    raw(m, { info1: apCreationInfo1(1, 1), info2: BigInt(VMSA), rax: 0n });
    expect(m.vcpu(1).state).toBe('offline');
    const last = m.log.events.filter((e) => e.kind === 'log' && e.source === 'kvm').at(-1);
    expect(last?.kind === 'log' && last.message.endsWith(why)).toBe(true);
  });

  test('a long-mode VMSA loads: 64-bit code segment, paging on, EFER.LMA as saved', () => {
    const m = rig();
    const v = apInitVmsa(START_IP, 0n);
    v.fields.efer = 0x1d00n; // SVME | NXE | LMA | LME
    v.fields.cr4 = 0x20n;
    v.fields.cr3 = 0x10_0000n;
    v.fields.cr0 = 0x8000_0011n;
    v.segments.cs = { selector: 0x10, attrib: 0x29b, limit: 0xffff_ffff, base: 0n };
    v.fields.rip = 0xffff_8000_0000_1000n;
    m.memory.write(VMSA, encodeVmsa(v));
    raw(m, { info1: apCreationInfo1(1, 1), info2: BigInt(VMSA), rax: 0n });
    expect(m.vcpu(1).state).toBe('running');
    expect(m.vcpu(1).cpu.mode()).toBe('long64');
    expect(m.vcpu(1).cpu.getReg('rip')).toBe(0xffff_8000_0000_1000n);
  });
});
