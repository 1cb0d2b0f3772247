// SDM vol. 3 chapter 11 (x2APIC MSRs, APIC base, SPIV) as KVM's lapic.c models them.
import { describe, expect, test } from 'bun:test';
import { protocolRig } from '../helpers/protocol-rig.ts';

describe('local APIC MSRs', () => {
  test('IA32_APIC_BASE resets to 0xFEE00000 | enable | BSP on the BSP only', () => {
    const r = protocolRig();
    expect(r.hv.rdmsr(r.bsp, 0x1b)).toBe(0xfee00900n);
    expect(r.hv.rdmsr(r.vcpus[1]!, 0x1b)).toBe(0xfee00800n);
  });
  test('x2APIC registers fault until EXTD (bit 10) is set, then read back', () => {
    const r = protocolRig();
    expect(r.hv.rdmsr(r.bsp, 0x802)).toBeUndefined();
    expect(r.hv.wrmsr(r.bsp, 0x80f, 0x1ffn)).toBe(false);
    expect(r.hv.wrmsr(r.bsp, 0x1b, 0xfee00c00n)).toBe(true);
    expect(r.hv.rdmsr(r.bsp, 0x1b)).toBe(0xfee00d00n); // BSP flag kept: read-only
    expect(r.hv.rdmsr(r.vcpus[2]!, 0x802)).toBeUndefined();
    expect(r.hv.rdmsr(r.bsp, 0x802)).toBe(0n);
    expect(r.hv.wrmsr(r.bsp, 0x80f, 0x1ffn)).toBe(true);
    expect(r.hv.rdmsr(r.bsp, 0x80f)).toBe(0x1ffn);
    expect(r.hv.wrmsr(r.bsp, 0x802, 5n)).toBe(false); // the ID is read-only
  });
  test('a fixed IPI reaches only a software-enabled APIC', () => {
    const r = protocolRig();
    const ap = r.vcpus[1]!;
    r.hv.setState(ap, 'halted', 'HLT');
    r.hv.fixed(r.bsp, ap, 0xf8);
    expect(r.events('ipi').at(-1)).toMatchObject({
      delivered: false,
      note: 'the target APIC is software-disabled',
    });
    ap.apic.wrmsr(0x1b, 0xfee00c00n);
    ap.apic.wrmsr(0x80f, 0x1ffn);
    r.hv.fixed(r.bsp, ap, 0xf8);
    expect(r.events('ipi').at(-1)?.delivered).toBe(true);
    expect(ap.state).toBe('running');
  });
  test('an ICR write with the all-but-self shorthand INITs every other vCPU', () => {
    const r = protocolRig();
    r.bsp.apic.wrmsr(0x1b, 0xfee00c00n);
    // delivery INIT (5 << 8), level assert (bit 14), shorthand all-but-self (3 << 18)
    expect(r.hv.wrmsr(r.bsp, 0x830, BigInt((3 << 18) | (1 << 14) | (5 << 8)))).toBe(true);
    expect(r.events('ipi').map((e) => `${e.to} ${e.type}`)).toEqual(['1 INIT', '2 INIT', '3 INIT']);
  });
});
