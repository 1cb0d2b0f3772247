/**
 * The blob sevlab ships: ap_jump_table.bin, built from asm/ap_jump_table.S by scripts/build-asm.ts
 * (the kernel links its own build the same way, as rm_ap_jump_table_blob).
 */
import { readFileSync } from 'node:fs';
import { type ApJumpTableBlob, validateBlob } from './blob.ts';

export const SHIPPED_BLOB_PATH = new URL('./ap_jump_table.bin', import.meta.url);

export function loadShippedBlob(): ApJumpTableBlob {
  const check = validateBlob(new Uint8Array(readFileSync(SHIPPED_BLOB_PATH)));
  if (check.kind === 'error') {
    throw new Error(
      `The shipped ap_jump_table.bin is invalid (${check.message}); run bun scripts/build-asm.ts.`,
    );
  }
  return check.blob;
}
