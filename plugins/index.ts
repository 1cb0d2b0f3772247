import type { Plugin } from '../core/index.ts';
import { apCreationPlugin } from './ap-creation/index.ts';
import { kdumpPlugin } from './kdump/index.ts';
import { kexecPlugin } from './kexec/plugin.ts';
import { mmioPlugin } from './mmio/index.ts';

/**
 * The plugins that ship with sevlab, by the name a scenario's `plugins:` list or `--plugin` uses.
 * Each lives in its own folder under plugins/.
 */
// biome-ignore lint/suspicious/noExplicitAny: each plugin has its own options type
export const builtinPlugins: Readonly<Record<string, Plugin<any>>> = {
  'ap-creation': apCreationPlugin,
  kdump: kdumpPlugin,
  kexec: kexecPlugin,
  mmio: mmioPlugin,
};
