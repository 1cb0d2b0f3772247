/**
 * Validation of an AP jump table blob, shipped (ap_jump_table.bin) or user-supplied, against the
 * page layout the installer and the parking path rely on (the SEV-ES kexec series' sev-ap-jumptable.h
 * and realmode/sev/ap_jump_table.S, sev_es_setup_ap_jump_table_data). The kernel only ever installs
 * its own build-time blob; a workbench that accepts other blobs has to check what the kernel could
 * assume.
 */
import {
  AP_JUMP_TABLE_PAGE_SIZE,
  BLOB_GDT_ALIGN,
  BLOB_GDT_LIMIT,
  BLOB_GDT_SIZE,
  BLOB_STACK_RESERVE,
  HEADER,
  SEV_APJT_ENTRY,
} from './layout.ts';

/** A blob that passed validateBlob: only such a blob reaches the installer. */
export interface ApJumpTableBlob {
  readonly bytes: Uint8Array;
  /** Header word at offset 4: where the blob's GDT starts, as an offset in the page. */
  readonly gdtOffset: number;
  readonly __validated: true;
}

export const BLOB_ERRORS = [
  'empty',
  'too-big',
  'no-header',
  'no-code',
  'gdt-outside-page',
  'gdt-before-code',
  'gdt-misaligned',
  'gdt-past-blob',
  'gdt-descriptor',
  'no-stack-room',
] as const;
export type BlobError = (typeof BLOB_ERRORS)[number];

export type BlobCheck =
  | { kind: 'ok'; blob: ApJumpTableBlob }
  | { kind: 'error'; error: BlobError; message: string };

const hex = (n: number) => `0x${n.toString(16)}`;
const error = (e: BlobError, message: string): BlobCheck => ({ kind: 'error', error: e, message });

/** Checks, in order, that a blob fits the page and the layout; the first failure is the answer. */
export function validateBlob(bytes: Uint8Array): BlobCheck {
  const size = bytes.length;
  if (size === 0) return error('empty', 'The blob is empty.');
  if (size > AP_JUMP_TABLE_PAGE_SIZE) {
    return error(
      'too-big',
      `The blob is ${size} bytes; the AP jump table page holds ${AP_JUMP_TABLE_PAGE_SIZE}.`,
    );
  }
  if (size < HEADER.size) {
    return error('no-header', `The blob is ${size} bytes, shorter than its ${HEADER.size}-byte header.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const gdtOffset = view.getUint16(HEADER.gdtOffset, true);
  // The GDT must fit the page before anything else about it matters: the installer writes there.
  if (gdtOffset + BLOB_GDT_SIZE > AP_JUMP_TABLE_PAGE_SIZE) {
    return error(
      'gdt-outside-page',
      `The header's GDT offset ${hex(gdtOffset)} puts the ${BLOB_GDT_SIZE}-byte GDT outside the page.`,
    );
  }
  if (size <= SEV_APJT_ENTRY) {
    return error('no-code', `The blob ends at ${hex(size)}, before its entry point ${hex(SEV_APJT_ENTRY)}.`);
  }
  if (gdtOffset <= SEV_APJT_ENTRY) {
    return error(
      'gdt-before-code',
      `The GDT offset ${hex(gdtOffset)} is not after the code, which starts at ${hex(SEV_APJT_ENTRY)}.`,
    );
  }
  if (bytes.subarray(SEV_APJT_ENTRY, gdtOffset).every((b) => b === 0)) {
    return error('no-code', `The code between ${hex(SEV_APJT_ENTRY)} and the GDT is all zero bytes.`);
  }
  if (gdtOffset % BLOB_GDT_ALIGN !== 0) {
    return error('gdt-misaligned', `The GDT offset ${hex(gdtOffset)} is not ${BLOB_GDT_ALIGN}-byte aligned.`);
  }
  if (gdtOffset + BLOB_GDT_SIZE > size) {
    return error(
      'gdt-past-blob',
      `The GDT at ${hex(gdtOffset)} runs past the end of the blob (${size} bytes): the blob must carry ` +
        'its GDT pseudo-descriptor.',
    );
  }
  // Slot 0 holds the GDTR pseudo-descriptor; the installer adds the page GPA to its base.
  const limit = view.getUint16(gdtOffset, true);
  const base = view.getUint32(gdtOffset + 2, true);
  if (limit !== BLOB_GDT_LIMIT || base !== gdtOffset) {
    return error(
      'gdt-descriptor',
      `GDT slot 0 holds limit ${hex(limit)}, base ${hex(base)}; the pseudo-descriptor must be limit ` +
        `${hex(BLOB_GDT_LIMIT)}, base ${hex(gdtOffset)} (the GDT offset).`,
    );
  }
  const stackFloor = AP_JUMP_TABLE_PAGE_SIZE - BLOB_STACK_RESERVE;
  if (size > stackFloor) {
    return error(
      'no-stack-room',
      `The blob is ${size} bytes; the stack below the page end needs the last ${BLOB_STACK_RESERVE} ` +
        `bytes, so at most ${stackFloor} bytes fit.`,
    );
  }
  return { kind: 'ok', blob: { bytes, gdtOffset, __validated: true } };
}
