// The xAPIC page's stored registers (LVTs, TPR, ICR2) per vCPU, kept across a machine snapshot.
import { describe, expect, test } from 'bun:test';
import { XAPIC_REG, XapicMmio } from '../../core/hypervisor/xapic-mmio.ts';
import { Vcpu } from '../../core/vcpu.ts';
import { BareCpu } from '../helpers/protocol-rig.ts';

/** SDM Vol. 3 table 11-1 offsets the model stores without a model of their own. */
const TPR = 0x80;
const LVT_TIMER = 0x320;

function xapic() {
  const vcpus = [0, 1].map((i) => new Vcpu(i, i, new BareCpu(), 'running'));
  let current = vcpus[0]!;
  const icrs: bigint[] = [];
  const dev = new XapicMmio({ current: () => current, icrWrite: (_from, icr) => icrs.push(icr) });
  const on = (i: number) => {
    current = vcpus[i]!;
    return dev;
  };
  return { dev, on, icrs };
}

describe('xAPIC page snapshot and restore', () => {
  test("a restore brings back each vCPU's LVT, TPR and ICR2, twice", () => {
    const { dev, on, icrs } = xapic();
    on(0).write(LVT_TIMER, 4, 0x200ecn);
    on(0).write(XAPIC_REG.ICR2, 4, 0x01000000n);
    on(1).write(TPR, 4, 0x20n);
    const snap = dev.snapshot();
    on(0).write(LVT_TIMER, 4, 0x10000n);
    on(0).write(XAPIC_REG.ICR2, 4, 0x03000000n);
    on(1).write(TPR, 4, 0x40n);
    on(1).write(LVT_TIMER, 4, 0x300n);
    dev.restore(snap);
    const registers = () => [
      on(0).read(LVT_TIMER, 4),
      on(0).read(TPR, 4),
      on(1).read(TPR, 4),
      on(1).read(LVT_TIMER, 4),
    ];
    expect(registers()).toEqual([0x200ecn, 0n, 0x20n, 0n]);
    // The ICR write sends to the restored ICR2 destination, APIC 1.
    on(0).write(XAPIC_REG.ICR, 4, 0x4608n);
    expect(icrs).toEqual([0x1_0000_4608n]);
    on(1).write(TPR, 4, 0xf0n);
    dev.restore(snap);
    expect(registers()).toEqual([0x200ecn, 0n, 0x20n, 0n]);
    expect(on(0).read(XAPIC_REG.ICR2, 4)).toBe(0x01000000n);
  });
});
