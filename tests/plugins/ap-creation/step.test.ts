import { describe, expect, test } from 'bun:test';
import { rig, START_IP } from './rig.ts';

/** The machine size a scenario's steps are parsed against. */
const SIZE = { memory: 256 * 2 ** 20, vcpus: 4 };

const stepOf = (m: ReturnType<typeof rig>) => m.plugins.steps.get('ap-create')!;
const ctx = { baseDir: '.', outDir: null };

describe('the scenario step ap-create', () => {
  test('parses numbers written as hex strings and fills the defaults', () => {
    const m = rig();
    expect(stepOf(m).parse({ apic_id: 1, start_ip: '0x8000' }, 'steps[2].ap-create', SIZE)).toEqual({
      apicId: 1,
      startIp: 0x8000,
      request: 'create',
      from: 0,
      expect: 'ok',
    });
  });

  test.each([
    [
      { apic_id: 1 },
      "steps[2].ap-create.start_ip: missing; expected the AP's real-mode start address such as 0x8000",
    ],
    [
      { apic_id: 1, start_ip: 0x8000, vcpu: 1 },
      'steps[2].ap-create.vcpu: unknown field; expected one of apic_id, start_ip, request, from, vmsa, sev_features, expect',
    ],
    [
      { apic_id: 1, start_ip: 0x100000 },
      'steps[2].ap-create.start_ip: got 1048576; expected an address below 0x100000',
    ],
    [
      { apic_id: 1, request: 'start' },
      'steps[2].ap-create.request: got "start"; expected create-on-init, create, destroy',
    ],
    ['go', 'steps[2].ap-create: expected a mapping such as {apic_id: 1, start_ip: 0x8000}'],
  ])('%j is refused at the field: %s', (value, message) => {
    expect(() => stepOf(rig()).parse(value, 'steps[2].ap-create', SIZE)).toThrow(message);
  });

  test('passes when the request ends as expected and fails with both sides otherwise', async () => {
    const m = rig();
    const s = stepOf(m);
    const ok = await s.run(s.parse({ apic_id: 1, start_ip: START_IP }, 'p', SIZE), m, ctx);
    expect(ok).toEqual({ ok: true, note: 'ok: VMSA 0x803000' });
    const hostile = await s.run(
      s.parse({ apic_id: 9, start_ip: START_IP, expect: 'GHCB_ERR_INVALID_INPUT' }, 'p', SIZE),
      m,
      ctx,
    );
    expect(hostile.ok).toBe(true);
    const wrong = await s.run(s.parse({ apic_id: 9, start_ip: START_IP }, 'p', SIZE), m, ctx);
    expect(wrong).toEqual({
      ok: false,
      expected: 'ap-create create APIC ID 9 ends ok',
      actual: 'GHCB_ERR_INVALID_INPUT: SNP AP CREATE error (info1=0x2 info2=0x5)',
    });
  });
});
