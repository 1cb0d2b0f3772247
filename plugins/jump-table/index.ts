/** The AP jump table plugin's public surface. */
export { AP_JUMP_TABLE_SYMBOLS } from './ap_jump_table.symbols.ts';
export { type ApJumpTableBlob, BLOB_ERRORS, type BlobCheck, type BlobError, validateBlob } from './blob.ts';
export { gdtEntry, gdtEntryBytes } from './gdt-entry.ts';
export {
  type GuestMemoryPort,
  INSTALL_LOG,
  type InstalledBlob,
  type InstallInput,
  type InstallOutcome,
  type ResetVector,
  sevEsSetupApJumpTable,
} from './install.ts';
export * from './layout.ts';
export { loadShippedBlob, SHIPPED_BLOB_PATH } from './shipped-blob.ts';
