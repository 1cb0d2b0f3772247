/**
 * Local APIC interrupt command register, x2APIC layout (Intel SDM Vol. 3, 10.12.9; AMD APM Vol. 2,
 * 16.11): MSR 0x830 is the whole 64-bit ICR; xAPIC MMIO puts the low half at 0xFEE00300 and the
 * destination in bits 31:24 of 0xFEE00310.
 */
export const X2APIC_MSR_BASE = 0x800;
export const X2APIC_ID_MSR = 0x802;
export const X2APIC_EOI_MSR = 0x80b;
export const X2APIC_ICR_MSR = 0x830;
export const MSR_IA32_APICBASE = 0x1b;
export const XAPIC_BASE = 0xfee00000;
export const XAPIC_ICR_LOW = 0x300;
export const XAPIC_ICR_HIGH = 0x310;

export const ICR_DELIVERY = { FIXED: 0, NMI: 4, INIT: 5, STARTUP: 6 } as const;
export const ICR_SHORTHAND = { NONE: 0, SELF: 1, ALL: 2, ALL_BUT_SELF: 3 } as const;

export interface IcrCommand {
  vector: number;
  delivery: number;
  /** bit 14: 0 = de-assert (INIT level de-assert is a no-op). */
  level: boolean;
  shorthand: number;
  destination: number;
}

export const decodeIcr = (icr: bigint): IcrCommand => {
  const lo = Number(icr & 0xffffffffn);
  return {
    vector: lo & 0xff,
    delivery: (lo >> 8) & 7,
    level: ((lo >> 14) & 1) === 1,
    shorthand: (lo >> 18) & 3,
    destination: Number(icr >> 32n),
  };
};

export const encodeIcr = (c: IcrCommand): bigint =>
  (BigInt(c.destination >>> 0) << 32n) |
  BigInt((c.vector & 0xff) | ((c.delivery & 7) << 8) | (c.level ? 1 << 14 : 0) | ((c.shorthand & 3) << 18));
