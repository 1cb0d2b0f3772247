/**
 * The VMSA page: `struct sev_es_save_area` (arch/x86/include/asm/svm.h; AMD APM vol. 2, table B-4),
 * the encrypted save area hardware loads at VMRUN and saves at #VMEXIT for an SEV-ES vCPU. Only the
 * fields this model acts on are listed; their offsets are the real ones, so a page built here is laid
 * out like the kernel's. Segments are `struct vmcb_seg`: selector u16, attrib u16 (VMCB-packed:
 * type 3:0, S 4, DPL 6:5, P 7, AVL 8, L 9, D/B 10, G 11), limit u32, base u64.
 */

export const VMSA_PAGE_SIZE = 4096;

/** Segment and descriptor-table registers, each a 16-byte vmcb_seg. */
export const VMSA_SEGMENTS = {
  es: 0x000,
  cs: 0x010,
  ss: 0x020,
  ds: 0x030,
  fs: 0x040,
  gs: 0x050,
  gdtr: 0x060,
  ldtr: 0x070,
  idtr: 0x080,
  tr: 0x090,
} as const;
export type VmsaSegmentName = keyof typeof VMSA_SEGMENTS;

/** Scalar fields: offset and size in bytes. */
export const VMSA_FIELDS = {
  cpl: { offset: 0x0cb, size: 1 },
  efer: { offset: 0x0d0, size: 8 },
  cr4: { offset: 0x148, size: 8 },
  cr3: { offset: 0x150, size: 8 },
  cr0: { offset: 0x158, size: 8 },
  dr7: { offset: 0x160, size: 8 },
  dr6: { offset: 0x168, size: 8 },
  rflags: { offset: 0x170, size: 8 },
  rip: { offset: 0x178, size: 8 },
  rsp: { offset: 0x1d8, size: 8 },
  rax: { offset: 0x1f8, size: 8 },
  cr2: { offset: 0x240, size: 8 },
  g_pat: { offset: 0x268, size: 8 },
  rcx: { offset: 0x308, size: 8 },
  rdx: { offset: 0x310, size: 8 },
  rbx: { offset: 0x318, size: 8 },
  rbp: { offset: 0x328, size: 8 },
  rsi: { offset: 0x330, size: 8 },
  rdi: { offset: 0x338, size: 8 },
  r8: { offset: 0x340, size: 8 },
  r9: { offset: 0x348, size: 8 },
  r10: { offset: 0x350, size: 8 },
  r11: { offset: 0x358, size: 8 },
  r12: { offset: 0x360, size: 8 },
  r13: { offset: 0x368, size: 8 },
  r14: { offset: 0x370, size: 8 },
  r15: { offset: 0x378, size: 8 },
  sev_features: { offset: 0x3b0, size: 8 },
  xcr0: { offset: 0x3e8, size: 8 },
} as const;
export type VmsaFieldName = keyof typeof VMSA_FIELDS;

export interface VmsaSegment {
  selector: number;
  attrib: number;
  limit: number;
  base: bigint;
}

export interface Vmsa {
  segments: Record<VmsaSegmentName, VmsaSegment>;
  fields: Record<VmsaFieldName, bigint>;
}

const zeroSegment = (): VmsaSegment => ({ selector: 0, attrib: 0, limit: 0, base: 0n });

/** A VMSA of all zeroes (what a freshly cleared page holds). */
export function emptyVmsa(): Vmsa {
  const segments = Object.fromEntries(Object.keys(VMSA_SEGMENTS).map((k) => [k, zeroSegment()]));
  const fields = Object.fromEntries(Object.keys(VMSA_FIELDS).map((k) => [k, 0n]));
  return { segments, fields } as Vmsa;
}

/** The page bytes for `vmsa`; everything the model does not list stays zero. */
export function encodeVmsa(vmsa: Vmsa): Uint8Array {
  const bytes = new Uint8Array(VMSA_PAGE_SIZE);
  const view = new DataView(bytes.buffer);
  for (const [name, at] of Object.entries(VMSA_SEGMENTS) as Array<[VmsaSegmentName, number]>) {
    const s = vmsa.segments[name];
    view.setUint16(at, s.selector & 0xffff, true);
    view.setUint16(at + 2, s.attrib & 0xffff, true);
    view.setUint32(at + 4, s.limit >>> 0, true);
    view.setBigUint64(at + 8, BigInt.asUintN(64, s.base), true);
  }
  for (const [name, f] of Object.entries(VMSA_FIELDS) as Array<
    [VmsaFieldName, { offset: number; size: number }]
  >) {
    const v = BigInt.asUintN(f.size * 8, vmsa.fields[name]);
    if (f.size === 1) view.setUint8(f.offset, Number(v));
    else view.setBigUint64(f.offset, v, true);
  }
  return bytes;
}

/** The modelled fields of a VMSA page. */
export function decodeVmsa(bytes: Uint8Array): Vmsa {
  if (bytes.length !== VMSA_PAGE_SIZE)
    throw new Error(`a VMSA is one ${VMSA_PAGE_SIZE}-byte page; got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vmsa = emptyVmsa();
  for (const [name, at] of Object.entries(VMSA_SEGMENTS) as Array<[VmsaSegmentName, number]>) {
    vmsa.segments[name] = {
      selector: view.getUint16(at, true),
      attrib: view.getUint16(at + 2, true),
      limit: view.getUint32(at + 4, true),
      base: view.getBigUint64(at + 8, true),
    };
  }
  for (const [name, f] of Object.entries(VMSA_FIELDS) as Array<
    [VmsaFieldName, { offset: number; size: number }]
  >)
    vmsa.fields[name] = f.size === 1 ? BigInt(view.getUint8(f.offset)) : view.getBigUint64(f.offset, true);
  return vmsa;
}
