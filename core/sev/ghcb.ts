import {
  GHCB_FIELDS,
  GHCB_PAGE_SIZE,
  GHCB_PROTOCOL_VERSION,
  GHCB_USAGE,
  GHCB_VALID_BITMAP,
  type GhcbField,
  validBit,
} from './ghcb-layout.ts';

/**
 * Typed access to the bytes of one GHCB page (guest view or a hypervisor snapshot). Setting a field
 * through `set` also marks it valid, as the kernel's ghcb_set_##field accessors do.
 */
/** The bitmap-tracked fields with their valid-bit byte and mask, precomputed for the snapshot loop. */
const FIELD_LIST = (Object.keys(GHCB_FIELDS) as GhcbField[]).map((name) => {
  const bit = validBit(name);
  return {
    ...GHCB_FIELDS[name],
    validByte: GHCB_VALID_BITMAP.offset + (bit >> 3),
    validMask: 1 << (bit & 7),
  };
});

export class Ghcb {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    if (bytes.length !== GHCB_PAGE_SIZE) {
      throw new Error(`a GHCB is exactly ${GHCB_PAGE_SIZE} bytes; got ${bytes.length}`);
    }
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get(field: GhcbField): bigint {
    const { offset, size } = GHCB_FIELDS[field];
    return size === 1 ? BigInt(this.view.getUint8(offset)) : this.view.getBigUint64(offset, true);
  }

  /** Writes the field and marks it valid (ghcb_set_##field). */
  set(field: GhcbField, value: bigint | number): void {
    const { offset, size } = GHCB_FIELDS[field];
    const v = BigInt.asUintN(size * 8, BigInt(value));
    if (size === 1) this.view.setUint8(offset, Number(v));
    else this.view.setBigUint64(offset, v, true);
    this.markValid(field);
  }

  isValid(field: GhcbField): boolean {
    const bit = validBit(field);
    return (this.bytes[GHCB_VALID_BITMAP.offset + (bit >> 3)]! & (1 << (bit & 7))) !== 0;
  }

  markValid(field: GhcbField): void {
    const bit = validBit(field);
    this.bytes[GHCB_VALID_BITMAP.offset + (bit >> 3)]! |= 1 << (bit & 7);
  }

  /**
   * Copies the valid bitmap and exactly the fields it marks valid into `into` (zeroed first): the
   * hypervisor's one-time snapshot of a guest-writable page.
   */
  snapshotValidInto(into: Ghcb): void {
    const src = this.bytes;
    const dst = into.bytes;
    dst.fill(0);
    for (let i = GHCB_VALID_BITMAP.offset; i < GHCB_VALID_BITMAP.offset + GHCB_VALID_BITMAP.size; i++)
      dst[i] = src[i]!;
    // Byte loops rather than subarray copies: a snapshot is taken on every exit.
    for (const f of FIELD_LIST) {
      if ((dst[f.validByte]! & f.validMask) === 0) continue;
      for (let i = f.offset; i < f.offset + f.size; i++) dst[i] = src[i]!;
    }
  }

  /** The whole 128-bit valid bitmap. */
  validBitmap(): bigint {
    return (
      this.view.getBigUint64(GHCB_VALID_BITMAP.offset, true) |
      (this.view.getBigUint64(GHCB_VALID_BITMAP.offset + 8, true) << 64n)
    );
  }

  clearValidBitmap(): void {
    this.bytes.fill(0, GHCB_VALID_BITMAP.offset, GHCB_VALID_BITMAP.offset + GHCB_VALID_BITMAP.size);
  }

  /** vc_ghcb_invalidate(): clear sw_exit_code and the valid bitmap before every request. */
  invalidate(): void {
    this.view.setBigUint64(GHCB_FIELDS.sw_exit_code.offset, 0n, true);
    this.clearValidBitmap();
  }

  get protocolVersion(): number {
    return this.view.getUint16(GHCB_PROTOCOL_VERSION.offset, true);
  }
  set protocolVersion(v: number) {
    this.view.setUint16(GHCB_PROTOCOL_VERSION.offset, v, true);
  }
  get usage(): number {
    return this.view.getUint32(GHCB_USAGE.offset, true);
  }
  set usage(v: number) {
    this.view.setUint32(GHCB_USAGE.offset, v >>> 0, true);
  }
}
