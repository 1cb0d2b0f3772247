import {
  MSR_IA32_APICBASE,
  X2APIC_EOI_MSR,
  X2APIC_ICR_MSR,
  X2APIC_ID_MSR,
  X2APIC_MSR_BASE,
  XAPIC_BASE,
} from './apic.ts';

/** IA32_APIC_BASE bits (SDM vol. 3, 11.4.4): BSP flag 8, x2APIC enable (EXTD) 10, global enable 11. */
export const APICBASE_BSP = 1n << 8n;
export const APICBASE_EXTD = 1n << 10n;
export const APICBASE_ENABLE = 1n << 11n;
/** Spurious-interrupt vector register; bit 8 is the APIC software enable. */
export const X2APIC_SPIV_MSR = 0x80f;
export const APIC_SPIV_APIC_ENABLED = 0x100n;
/** x2APIC registers are MSRs 0x800-0x8FF (SDM vol. 3, 11.12.1). */
const X2APIC_LAST = X2APIC_MSR_BASE + 0xff;

export type ApicMsrAccess =
  | { kind: 'value'; value: bigint }
  | { kind: 'icr'; value: bigint }
  | { kind: 'ok' }
  | { kind: 'gp' };

/**
 * The part of a local APIC the model needs, KVM-style (arch/x86/kvm/lapic.c): the base MSR, x2APIC
 * mode, the software-enable bit and the registers the guest writes back and reads; IPIs are sent by
 * the hypervisor when the ICR is written.
 */
export class LocalApic {
  base: bigint;
  /** SPIV reset value 0xFF: software-disabled (SDM vol. 3, 11.4.7.1). */
  spiv = 0xffn;
  private readonly regs = new Map<number, bigint>();

  constructor(
    readonly id: number,
    bsp: boolean,
  ) {
    this.base = BigInt(XAPIC_BASE) | APICBASE_ENABLE | (bsp ? APICBASE_BSP : 0n);
  }

  get x2apic(): boolean {
    return (this.base & APICBASE_EXTD) !== 0n;
  }

  /** Fixed interrupts are accepted only while the APIC is software-enabled (SDM vol. 3, 11.4.7.2). */
  get softwareEnabled(): boolean {
    return (this.spiv & APIC_SPIV_APIC_ENABLED) !== 0n;
  }

  static handles(msr: number): boolean {
    return msr === MSR_IA32_APICBASE || (msr >= X2APIC_MSR_BASE && msr <= X2APIC_LAST);
  }

  rdmsr(msr: number): ApicMsrAccess {
    if (msr === MSR_IA32_APICBASE) return { kind: 'value', value: this.base };
    // Why: x2APIC registers exist as MSRs only in x2APIC mode; otherwise the access faults.
    if (!this.x2apic) return { kind: 'gp' };
    if (msr === X2APIC_ID_MSR) return { kind: 'value', value: BigInt(this.id) };
    if (msr === X2APIC_SPIV_MSR) return { kind: 'value', value: this.spiv };
    if (msr === X2APIC_EOI_MSR) return { kind: 'gp' };
    return { kind: 'value', value: this.regs.get(msr) ?? 0n };
  }

  wrmsr(msr: number, value: bigint): ApicMsrAccess {
    if (msr === MSR_IA32_APICBASE) {
      // The BSP flag is read-only.
      this.base = (value & ~APICBASE_BSP) | (this.base & APICBASE_BSP);
      return { kind: 'ok' };
    }
    if (!this.x2apic || msr === X2APIC_ID_MSR) return { kind: 'gp' };
    if (msr === X2APIC_ICR_MSR) return { kind: 'icr', value };
    if (msr === X2APIC_SPIV_MSR) this.spiv = value & 0x1ffn;
    else if (msr !== X2APIC_EOI_MSR) this.regs.set(msr, value);
    return { kind: 'ok' };
  }

  snapshot() {
    return { base: this.base, spiv: this.spiv, regs: [...this.regs] };
  }

  restore(s: ReturnType<LocalApic['snapshot']>): void {
    this.base = s.base;
    this.spiv = s.spiv;
    this.regs.clear();
    for (const [k, v] of s.regs) this.regs.set(k, v);
  }
}
