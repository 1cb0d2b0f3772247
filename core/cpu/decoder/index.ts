/** The x86 decoder: bytes in, one `Insn` (or a named `DecodeError`) out. */
export { decode, MAX_INSN_LENGTH } from './decode.ts';
export { DECODE_REASONS, type DecodeError, type DecodeReason } from './errors.ts';
export { immSize } from './immediate.ts';
