/** Misuse of the guest memory API. The message is a sentence: what was wrong and what is allowed. */
export class MemoryError extends Error {
  override name = 'MemoryError';
}

/** Addresses in messages are hexadecimal, as in every firmware and kernel log. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
