import { conformanceCommand } from './conformance.ts';
import { decodeCommand } from './decode.ts';
import { demoCommand } from './demo.ts';
import { execCommand } from './exec.ts';
import { newPluginCommand } from './new-plugin.ts';
import { replCommand } from './repl.ts';
import { runCommand } from './run.ts';
import type { Command } from './types.ts';

/** Every CLI command, in the order `sevlab --help` lists them. */
export const commands: readonly Command[] = [
  demoCommand,
  decodeCommand,
  execCommand,
  runCommand,
  conformanceCommand,
  replCommand,
  newPluginCommand,
];
