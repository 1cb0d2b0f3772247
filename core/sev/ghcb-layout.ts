/**
 * The GHCB page: a 4 KiB shared page, one per vCPU. Offsets and valid bits from Linux
 * arch/x86/include/asm/svm.h (struct ghcb_save_area, struct ghcb) and GHCB spec table 2.
 * A field's valid bit is its offset / 8 (DEFINE_GHCB_ACCESSORS: offsetof(...) / sizeof(u64)).
 */
export const GHCB_PAGE_SIZE = 0x1000;

/** Fields that take part in the valid bitmap, with their offset and width in bytes. */
export const GHCB_FIELDS = {
  cpl: { offset: 0x0cb, size: 1 },
  xss: { offset: 0x140, size: 8 },
  dr7: { offset: 0x160, size: 8 },
  rip: { offset: 0x178, size: 8 },
  rsp: { offset: 0x1d8, size: 8 },
  rax: { offset: 0x1f8, size: 8 },
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
  sw_exit_code: { offset: 0x390, size: 8 },
  sw_exit_info_1: { offset: 0x398, size: 8 },
  sw_exit_info_2: { offset: 0x3a0, size: 8 },
  sw_scratch: { offset: 0x3a8, size: 8 },
  xcr0: { offset: 0x3e8, size: 8 },
} as const;
export type GhcbField = keyof typeof GHCB_FIELDS;
export const GHCB_FIELD_NAMES = Object.keys(GHCB_FIELDS) as GhcbField[];

/** Valid bit index of a field: offset / 8. */
export const validBit = (field: GhcbField): number => Math.floor(GHCB_FIELDS[field].offset / 8);

/** The rest of the page (struct ghcb): fields without a valid bit. */
export const GHCB_VALID_BITMAP = { offset: 0x3f0, size: 16 } as const;
export const GHCB_X87_STATE_GPA = { offset: 0x400, size: 8 } as const;
/** shared_buffer: scratch space for MMIO and string I/O, [0x800, 0xFF0). */
export const GHCB_SHARED_BUFFER = { offset: 0x800, size: 0x7f0 } as const;
export const GHCB_PROTOCOL_VERSION = { offset: 0xffa, size: 2 } as const;
export const GHCB_USAGE = { offset: 0xffc, size: 4 } as const;
/** ghcb_usage value of the standard GHCB layout (GHCB_DEFAULT_USAGE). */
export const GHCB_DEFAULT_USAGE = 0;
