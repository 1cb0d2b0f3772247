/**
 * GDT_ENTRY(flags, base, limit) of arch/x86/include/asm/segment.h: a legacy segment descriptor.
 * `flags` carries the access byte in bits 7:0 and G/D/L/AVL in bits 15:12.
 *   bits 15:0 limit 15:0 | 39:16 base 23:0 | 47:40 access | 51:48 limit 19:16 | 55:52 flags |
 *   63:56 base 31:24
 */
export function gdtEntry(flags: number, base: number, limit: number): bigint {
  const b = BigInt(base >>> 0);
  const l = BigInt(limit >>> 0);
  return (
    ((b & 0xff000000n) << 32n) |
    ((BigInt(flags) & 0xf0ffn) << 40n) |
    ((l & 0xf0000n) << 32n) |
    ((b & 0xffffffn) << 16n) |
    (l & 0xffffn)
  );
}

/** The descriptor as the 8 bytes the CPU reads from the GDT. */
export function gdtEntryBytes(entry: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, entry, true);
  return out;
}
