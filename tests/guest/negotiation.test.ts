import { describe, expect, test } from 'bun:test';
import { protocolRig } from '../helpers/protocol-rig.ts';

describe('GHCB protocol negotiation against a KVM-like hypervisor', () => {
  test('a 1..2 hypervisor negotiates version 2 and the kernel logs both lines', () => {
    const r = protocolRig({ hv: { protocolMin: 1, protocolMax: 2 } });
    expect(r.kernel.negotiate(r.bsp)).toBe(true);
    expect(r.kernel.negotiated).toEqual({ hvMin: 1, hvMax: 2, version: 2 });
    expect(r.events('log').map((e) => e.message)).toEqual([
      'SEV: Hypervisor GHCB protocol version support: min=1 max=2',
      'SEV: Using GHCB protocol version 2',
    ]);
    // SEV_INFO_REQ (0x002) answered with 0x001: max 2, min 1, C-bit 51; then HV_FT_REQ (0x080) -> 0x081.
    expect(r.events('msr-proto').map((e) => e.requestValue)).toEqual(['0x2', '0x80']);
    expect(r.events('msr-proto-result').map((e) => e.responseValue)).toEqual(['0x2000133000001', '0x81']);
  });

  test('a 1..1 hypervisor negotiates version 1 and is not asked for features', () => {
    const r = protocolRig({ hv: { protocolMin: 1, protocolMax: 1 } });
    expect(r.kernel.negotiate(r.bsp)).toBe(true);
    expect(r.kernel.negotiated?.version).toBe(1);
    expect(r.events('msr-proto')).toHaveLength(1);
  });

  test('a 3..4 hypervisor makes the guest terminate with set 0 code 1', () => {
    const r = protocolRig({ hv: { protocolMin: 3, protocolMax: 4 } });
    expect(r.kernel.negotiate(r.bsp)).toBe(false);
    expect(r.hv.terminated).toMatchObject({ set: 0, code: 1, reason: 'GHCB protocol version unsupported' });
    expect(r.vcpus.every((v) => v.state === 'terminated')).toBe(true);
    expect(r.events('msr-proto').at(-1)?.requestValue).toBe('0x10100'); // GHCB_MSR_TERM_REQ, set 0, code 1
    expect(r.events('msr-proto-result')).toHaveLength(1); // only SEV_INFO; a stopped VM gets no response
  });

  test.each([
    ['min > max', { sevInfo: { min: 2, max: 1 } }],
    ['a range above 1..2', { sevInfo: { min: 3, max: 3 } }],
    ['a range below 1..2', { sevInfo: { min: 0, max: 0 } }],
    ['the request echoed back', { msrResponses: [{ request: 0x002, response: 0x002n }] }],
    [
      'a CPUID response code instead',
      { msrResponses: [{ request: 0x002, response: 0x0002_0001_3300_0005n }] },
    ],
  ])('a lying SEV information answer (%s) terminates with set 0 code 1', (_name, hostile) => {
    const r = protocolRig({ hv: { hostile } });
    expect(r.kernel.negotiate(r.bsp)).toBe(false);
    expect(r.hv.terminated).toMatchObject({ set: 0, code: 1 });
    expect(r.kernel.negotiated).toBeNull();
  });

  test('the hypervisor feature bitmap is read with protocol 2', () => {
    const r = protocolRig({ hv: { hvFeatures: 0b10n } });
    r.kernel.negotiate(r.bsp);
    expect(r.kernel.hvFeatures).toBe(0b10n);
  });
});

describe('MSR-protocol CPUID for early code', () => {
  test('returns the register the hypervisor reports, subleaf 0', () => {
    const r = protocolRig();
    // Leaf 0: EBX = "Auth"
    expect(r.kernel.cpuidMsr(r.bsp, 0, 1)).toBe(0x68747541);
    // Leaf 0x8000001F EAX: SEV (bit 1) and SEV-ES (bit 3)
    expect(r.kernel.cpuidMsr(r.bsp, 0x8000001f, 0)).toBe(0b1010);
  });
  test('a wrong response code terminates instead of returning a silent value', () => {
    const r = protocolRig({ hv: { hostile: { msrResponses: [{ request: 0x004, response: 0x004n }] } } });
    expect(r.kernel.cpuidMsr(r.bsp, 1, 0)).toBeNull();
    expect(r.hv.terminated).toMatchObject({ set: 0, code: 0 });
  });
});
