import { describe, expect, test } from 'bun:test';
import {
  CommandError,
  formatEvent,
  Machine,
  machineConfig,
  PluginError,
  SVM_VMGEXIT,
} from '../../../core/index.ts';
import apCreationPlugin, { ApCreationGuest, decodeVmsa } from '../../../plugins/ap-creation/index.ts';
import { rig, START_IP } from './rig.ts';

const guestOf = (m: Machine) => new ApCreationGuest(m, 0x80_0000, 0n);
const exits = (m: Machine) => m.log.events.filter((e) => e.kind === 'vmgexit').length;

describe('the guest kernel starts an AP with wakeup_cpu_via_vmgexit', () => {
  test('it writes the VMSA to a private page that is never 2 MiB aligned and starts the AP', () => {
    const m = rig();
    const r = guestOf(m).wakeup({ apicId: 1, startIp: START_IP });
    expect(r).toEqual({ ok: true, vmsaGpa: 0x80_3000 });
    expect(m.memory.isEncrypted(0x80_3000)).toBe(true);
    expect(decodeVmsa(m.memory.read(0x80_3000, 4096)).segments.cs.selector).toBe(0x800);
    m.run({ only: [1], maxInstructions: 100 });
    expect([m.vcpu(1).state, m.vcpu(1).cpu.getReg('ax')]).toEqual(['halted', 0x1234n]);
  });

  test('the request carries APIC ID << 32 | AP_CREATE, the VMSA GPA and RAX = SEV features', () => {
    const m = rig();
    guestOf(m).wakeup({ apicId: 1, startIp: START_IP });
    const exit = m.log.events.find((e) => e.kind === 'vmgexit' && e.name === 'SVM_VMGEXIT_AP_CREATION');
    expect(exit && formatEvent(exit).slice(6)).toBe(
      'cpu0  EXIT SVM_VMGEXIT_AP_CREATION info1=0x100000001 info2=0x803000',
    );
  });

  test('without the feature bit it returns EOPNOTSUPP and exits to nobody', () => {
    const m = rig({ options: { hideFeature: true } });
    const before = exits(m);
    const r = guestOf(m).wakeup({ apicId: 1, startIp: START_IP });
    expect(r.ok === false && r.error).toBe('EOPNOTSUPP');
    expect(exits(m)).toBe(before);
    expect(m.vcpu(1).state).toBe('wait-for-sipi');
  });

  test('a hostile hypervisor advertises the bit but has no handler: the kernel reports the error', () => {
    const m = rig({ plugin: false, hvFeatures: 2n });
    const r = guestOf(m).wakeup({ apicId: 1, startIp: START_IP });
    expect(r).toEqual({
      ok: false,
      error: 'EINVAL',
      why: 'SNP AP CREATE error',
      exitInfo1: 2n,
      exitInfo2: 6n,
    });
    const line = m.log.events.findLast((e) => e.kind === 'log');
    expect(line?.kind === 'log' && `${line.source}: ${line.message}`).toBe('kernel: SNP AP CREATE error');
    expect(m.vcpu(1).state).toBe('wait-for-sipi');
  });

  test('a hostile hypervisor answers with an exception request: still an error, the AP stays put', () => {
    const m = new Machine(
      machineConfig({
        vcpus: 2,
        hypervisor: {
          hostile: { injectException: { exitCode: SVM_VMGEXIT.AP_CREATION, eventInjection: 0x8000_030dn } },
        },
      }),
    );
    m.plugins.use(apCreationPlugin, {}, 'test');
    m.boot();
    const r = guestOf(m).wakeup({ apicId: 1, startIp: START_IP });
    expect(r.ok === false && [r.exitInfo1, r.exitInfo2]).toEqual([1n, 0x8000_030dn]);
    expect(m.vcpu(1).state).toBe('wait-for-sipi');
  });

  test('AP_DESTROY of the current VMSA takes the AP offline', () => {
    const m = rig();
    const g = guestOf(m);
    g.wakeup({ apicId: 1, startIp: START_IP });
    expect(g.destroy(1)).toEqual({ ok: true, vmsaGpa: 0x80_3000 });
    expect(m.vcpu(1).state).toBe('offline');
    expect(g.current.has(1)).toBe(false);
  });

  test('a start IP above 1 MiB is refused before any exit', () => {
    const m = rig();
    const before = exits(m);
    const r = guestOf(m).wakeup({ apicId: 1, startIp: 0x10_0000 });
    expect(r.ok === false && r.why).toBe('AP start IP 0x100000 is not a real-mode address below 1 MiB');
    expect(exits(m)).toBe(before);
  });

  test('a VMSA area that runs into the GHCB pages is refused with the option to change', () => {
    const m = rig();
    const ghcb = m.config.ghcbBase;
    const r = new ApCreationGuest(m, ghcb - 0x2000, 0n).wakeup({ apicId: 1, startIp: START_IP });
    expect(r.ok === false && r.why).toBe(
      `the VMSA page 0x${(ghcb + 0x1000).toString(16)} for APIC ID 1 overlaps the GHCB pages; move vmsaBase`,
    );
  });
});

describe('the plugin as a whole', () => {
  test('loading it twice leaves one handler, one command and the feature bit', () => {
    const m = rig();
    m.plugins.use(apCreationPlugin, {}, 'again');
    expect(m.plugins.loaded()).toEqual(['ap-creation']);
    expect(m.hv.config.hvFeatures).toBe(2n);
    expect(guestOf(m).wakeup({ apicId: 1, startIp: START_IP }).ok).toBe(true);
  });

  test('another plugin that claims 0x80000013 without override is refused, naming the holder', () => {
    const m = rig();
    const rival = {
      name: 'rival',
      setup: (api: Parameters<typeof apCreationPlugin.setup>[0]) =>
        api.onVmgexit({
          exitCode: SVM_VMGEXIT.AP_CREATION,
          name: 'RIVAL',
          handle: () => ({ kind: 'resume' }),
        }),
    };
    expect(() => m.plugins.use(rival, {}, '/tmp/rival.ts')).toThrow(
      new PluginError(
        'plugin rival (/tmp/rival.ts) failed in setup: VMGEXIT 0x80000013 is already handled by ap-creation; pass { override: true } to run first',
      ),
    );
    expect(m.plugins.loaded()).toEqual(['ap-creation']);
  });

  test('bad options fail setup with the option named', () => {
    const m = new Machine(machineConfig({ vcpus: 2 }));
    expect(() => m.plugins.use(apCreationPlugin, { vmsaBase: 0x1000 }, 'built-in ap-creation')).toThrow(
      'plugin ap-creation (built-in ap-creation) failed in setup: option vmsaBase "4096" is not an 8 KiB-aligned address; example: {vmsaBase: 0x800000}',
    );
    expect(m.hv.config.hvFeatures).toBe(0n);
  });

  test('the REPL command: create, status, raw and a bad subcommand', async () => {
    const m = rig();
    const cmd = m.plugins.commands.get('ap-create')!;
    expect(await cmd.run(['create', '1', '0x8000'], m)).toBe('ok: VMSA 0x803000');
    expect(await cmd.run(['status'], m)).toBe(
      [
        'GHCB_HV_FT_SNP_AP_CREATION: hypervisor advertises it; guest saw it at boot',
        'cpu0 apic 0 running',
        'cpu1 apic 1 running VMSA 0x803000',
      ].join('\n'),
    );
    expect(await cmd.run(['create', '5', '0x8000'], m)).toBe(
      'GHCB_ERR_INVALID_INPUT: SNP AP CREATE error (info1=0x2 info2=0x5)',
    );
    expect(await cmd.run(['raw', '0x100000001', '0x803000'], m)).toBe(
      'sw_exit_info_1=0x2 sw_exit_info_2=0x4',
    );
    expect(() => cmd.run(['start', '1'], m)).toThrow(
      new CommandError("'start' is not one of create, on-init, destroy, raw, status"),
    );
    expect(() => cmd.run(['create', 'one', '0x8000'], m)).toThrow(
      new CommandError("APIC_ID 'one' is not a number from 0 to 0xffffffff"),
    );
  });
});
