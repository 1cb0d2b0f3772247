/**
 * The local APIC's xAPIC register page at 0xFEE00000, as KVM's lapic.c serves it (apic_mmio_read,
 * apic_mmio_write, kvm_lapic_reg_read/write). Every vCPU sees its own APIC at the same address, so the
 * device answers for the vCPU making the access (KVM: the vCPU whose exit is being handled). A write
 * of the low ICR word sends the IPI, with the destination from bits 31:24 of the high word (Intel SDM
 * Vol. 3, 11.6.1). SVR is the same register the x2APIC MSR 0x80F reaches.
 */
import type { MmioDevice } from '../devices/mmio-device.ts';
import type { Vcpu } from '../vcpu.ts';
import { XAPIC_ICR_HIGH, XAPIC_ICR_LOW } from './apic.ts';
import { APICBASE_ENABLE } from './lapic.ts';

/** xAPIC register offsets (SDM Vol. 3, table 11-1; Linux apicdef.h APIC_*). */
export const XAPIC_REG = {
  ID: 0x20,
  LVR: 0x30,
  EOI: 0xb0,
  SPIV: 0xf0,
  ICR: XAPIC_ICR_LOW,
  ICR2: XAPIC_ICR_HIGH,
} as const;

export const XAPIC_PAGE = 0x1000;
/** KVM kvm_apic_set_version: APIC_VERSION 0x14, six LVT entries (max LVT index 5 in bits 23:16). */
const XAPIC_VERSION = 0x14 | (5 << 16);

/** What a snapshot keeps: each vCPU's stored registers as [vCPU index, [[offset, value], ...]]. */
type XapicMmioState = ReadonlyArray<readonly [number, ReadonlyArray<readonly [number, number]>]>;

export interface XapicMmioOptions {
  /** The vCPU making the access (kvm_get_running_vcpu). */
  current(): Vcpu | null;
  /** A write of the low ICR word: send the IPI (x2APIC ICR layout, destination in bits 63:32). */
  icrWrite(from: Vcpu, icr: bigint): void;
}

export class XapicMmio implements MmioDevice {
  readonly name = 'xapic';
  /** Registers without a model of their own, per vCPU index and aligned offset (LVTs, TPR, ICR2 ...). */
  private readonly regs = new Map<number, Map<number, number>>();

  constructor(private readonly opts: XapicMmioOptions) {}

  snapshot(): unknown {
    return [...this.regs].map(([index, regs]) => [index, [...regs]] as const) satisfies XapicMmioState;
  }

  restore(saved: unknown): void {
    this.regs.clear();
    for (const [index, regs] of saved as XapicMmioState) this.regs.set(index, new Map(regs));
  }

  read(offset: number, size: number): bigint {
    const v = this.opts.current();
    // KVM_X86_QUIRK_LAPIC_MMIO_HOLE: with the APIC disabled or in x2APIC mode the page reads all ones.
    if (!v || !this.mmioEnabled(v)) return (1n << BigInt(size * 8)) - 1n;
    const align = offset & 0xf;
    // kvm_lapic_reg_read: a read may not run past the 32-bit register.
    if (align + size > 4) return (1n << BigInt(size * 8)) - 1n;
    return BigInt(this.register(v, offset & 0xff0) >>> (align * 8)) & ((1n << BigInt(size * 8)) - 1n);
  }

  write(offset: number, size: number, value: bigint): void {
    const v = this.opts.current();
    if (!v || !this.mmioEnabled(v)) return;
    // apic_mmio_write: registers sit on 16-byte boundaries and are written 32 bits at a time (SDM 11.4.1).
    if (size !== 4 || (offset & 0xf) !== 0) return;
    const reg = offset & 0xff0;
    const val = Number(value & 0xffffffffn);
    switch (reg) {
      case XAPIC_REG.ID:
      case XAPIC_REG.LVR:
      case XAPIC_REG.EOI:
        return; // ID and version read-only here; EOI has no interrupt-in-service model to end
      case XAPIC_REG.SPIV:
        v.apic.spiv = BigInt(val & 0x1ff);
        return;
      case XAPIC_REG.ICR: {
        this.store(v, reg, val & ~(1 << 12)); // delivery status reads back idle: the IPI is sent at once
        const destination = (this.register(v, XAPIC_REG.ICR2) >>> 24) & 0xff;
        this.opts.icrWrite(v, (BigInt(destination) << 32n) | BigInt(val >>> 0));
        return;
      }
      default:
        this.store(v, reg, val);
    }
  }

  private mmioEnabled(v: Vcpu): boolean {
    return (v.apic.base & APICBASE_ENABLE) !== 0n && !v.apic.x2apic;
  }

  private register(v: Vcpu, reg: number): number {
    if (reg === XAPIC_REG.ID) return (v.apicId << 24) >>> 0;
    if (reg === XAPIC_REG.LVR) return XAPIC_VERSION;
    if (reg === XAPIC_REG.SPIV) return Number(v.apic.spiv);
    return this.regs.get(v.index)?.get(reg) ?? 0;
  }

  private store(v: Vcpu, reg: number, val: number): void {
    let m = this.regs.get(v.index);
    if (!m) {
      m = new Map();
      this.regs.set(v.index, m);
    }
    m.set(reg, val >>> 0);
  }
}
