/** One CLI command: `sevlab NAME ...`. Each command lives in its own file under scripts/commands/. */
export interface Command {
  name: string;
  /** One line for `sevlab --help`. */
  summary: string;
  /** Full usage text for `sevlab NAME --help`. */
  usage: string;
  /** Returns the process exit status: 0 success, 1 a check failed, 2 bad input. */
  run(argv: string[]): Promise<number> | number;
}

/** Bad command-line input: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A flag's value as a decimal or 0x-hex whole number; anything else is a UsageError naming the flag. */
export function numberFlag(flag: string, text: string | undefined): number {
  if (text === undefined) throw new UsageError(`${flag} needs a value`);
  const n = /^0x[0-9a-f]+$/i.test(text)
    ? Number.parseInt(text, 16)
    : /^\d+$/.test(text)
      ? Number(text)
      : Number.NaN;
  if (!Number.isSafeInteger(n))
    throw new UsageError(`${flag} takes a decimal or 0x-hex number, not '${text}'`);
  return n;
}
