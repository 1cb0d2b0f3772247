import { ioioVc } from './ioio.ts';
import { simpleVcHandlers } from './simple.ts';
import type { VcHandler } from './types.ts';

export * from './types.ts';

/** The #VC dispatch table the kernel starts with (vc_handle_exitcode); plugins add rows (e.g. NPF/MMIO). */
export const coreVcHandlers: readonly VcHandler[] = [...simpleVcHandlers, ioioVc];
