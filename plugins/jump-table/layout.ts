/**
 * AP jump table page layout and the blob's selectors: arch/x86/include/asm/sev-ap-jumptable.h of the
 * SEV-ES kexec series (asm twin: asm/sev_ap_jumptable.inc) and its ap_jump_table.S.
 */
export const AP_JUMP_TABLE_PAGE_SIZE = 4096;

/** struct sev_ap_jump_table_header: u16 fields at these page offsets. */
export const HEADER = {
  /** GHCB spec: the reset IP is the word at offset 0 and the reset CS the word at offset 2. */
  resetIp: 0x0,
  resetCs: 0x2,
  gdtOffset: 0x4,
  size: 0x6,
} as const;

export const SEV_APJT_CS16 = 0x08;
export const SEV_APJT_DS16 = 0x10;
export const SEV_RM_DS = 0x18;
/** The parking code starts here; sev_ap_park.S jumps to SEV_APJT_CS16:SEV_APJT_ENTRY. */
export const SEV_APJT_ENTRY = 0x10;

/** The blob's GDT: null slot (holding the GDTR pseudo-descriptor) plus three descriptors. */
export const BLOB_GDT_ENTRIES = 4;
export const BLOB_GDT_SIZE = BLOB_GDT_ENTRIES * 8;
export const BLOB_GDT_LIMIT = BLOB_GDT_SIZE - 1;
/** The series' ap_jump_table.S: the GDT follows the code, 16-byte aligned. */
export const BLOB_GDT_ALIGN = 16;

/**
 * Bytes kept free below the page end for the stack (ESP = 0x1000). The parking code pushes 4 bytes
 * (pushl $2; popfl); the rest is margin so that a stack never reaches a blob's last bytes.
 */
export const BLOB_STACK_RESERVE = 64;

/** Access bytes of GDT_ENTRY (present, DPL 0, code execute/read accessed, data read/write accessed). */
export const ACCESS_CODE16 = 0x9b;
export const ACCESS_DATA16 = 0x93;
/** Segment limit of every blob segment: already real-mode compatible before CR0.PE clears. */
export const SEGMENT_LIMIT = 0xffff;
