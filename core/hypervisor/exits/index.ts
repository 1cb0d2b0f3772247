import type { ExitRow } from '../exit-table.ts';
import { apHltLoopExit, apJumpTableExit } from './ap.ts';
import { hvFeaturesExit, termRequestExit, unsupportedEventExit } from './control.ts';
import { cpuidExit } from './cpuid.ts';
import { ioioExit } from './ioio.ts';
import { miscExits } from './misc.ts';
import { mmioReadExit, mmioWriteExit } from './mmio.ts';
import { msrExit } from './msr.ts';

/**
 * The SEV-ES allow-list (KVM sev_es_validate_vmgexit's switch). SNP events (PSC, guest requests, AP
 * creation) are absent on purpose: from an SEV-ES VM they are GHCB_ERR_INVALID_EVENT.
 */
export const coreExitRows: readonly ExitRow[] = [
  cpuidExit,
  ioioExit,
  msrExit,
  ...miscExits,
  mmioReadExit,
  mmioWriteExit,
  apHltLoopExit,
  apJumpTableExit,
  hvFeaturesExit,
  termRequestExit,
  unsupportedEventExit,
];
