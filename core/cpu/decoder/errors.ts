/** Why bytes do not form an instruction. Each scanner of the decoder stops on one of these. */
export const DECODE_REASONS = {
  /** The bytes end before the instruction does (more bytes may make it valid). */
  truncated: 'the bytes end inside the instruction',
  /** More than 15 bytes (SDM Vol. 2 2.3.11: #GP). */
  'too-long': 'the instruction is longer than 15 bytes',
  /** No instruction has this encoding (#UD). */
  invalid: 'no instruction has this encoding',
  /** The opcode does not exist in this code size (SDM "i64"/"o64"; #UD). */
  'invalid-in-mode': 'the opcode does not exist in this code size',
  /** LOCK on an instruction that cannot be locked, or on a register destination (#UD). */
  lock: 'LOCK prefix on an instruction that cannot take it',
} as const;
export type DecodeReason = keyof typeof DECODE_REASONS;

export interface DecodeError {
  kind: 'decode-error';
  reason: DecodeReason;
  /**
   * Bytes examined: for `truncated` the bytes available, for `too-long` 15, otherwise the length of
   * the (invalid) instruction as far as its encoding determines it.
   */
  length: number;
}

export function decodeError(reason: DecodeReason, length: number): DecodeError {
  return { kind: 'decode-error', reason, length };
}

/** Scanners return the next byte position, or END when they ran out of bytes (decode.ts decides which). */
export const END = -1;
