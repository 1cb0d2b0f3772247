import { conformanceCommand } from './conformance.ts';
import { decodeCommand } from './decode.ts';
import { demoCommand } from './demo.ts';
import type { Command } from './types.ts';

/** Every CLI command, in the order `sevlab --help` lists them. */
export const commands: readonly Command[] = [demoCommand, decodeCommand, conformanceCommand];
