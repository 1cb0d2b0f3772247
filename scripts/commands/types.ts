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
