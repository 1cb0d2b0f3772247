import { hex } from '../../event-log.ts';
import {
  SVM_VMGEXIT,
  SVM_VMGEXIT_GET_AP_JUMP_TABLE,
  SVM_VMGEXIT_SET_AP_JUMP_TABLE,
} from '../../sev/exit-codes.ts';
import { GHCB_ERR } from '../../sev/results.ts';
import type { ExitRow } from '../exit-table.ts';

/**
 * KVM sev_handle_vmgexit, SVM_VMGEXIT_AP_JUMP_TABLE: one table per VM; SET stores the GPA without
 * checks, GET returns it; other sub-functions are GHCB_ERR_INVALID_INPUT. The hypervisor never reads the
 * table itself.
 */
export const apJumpTableExit: ExitRow = {
  exitCode: SVM_VMGEXIT.AP_JUMP_TABLE,
  name: 'SVM_VMGEXIT_AP_JUMP_TABLE',
  handle: (ctx) => {
    const { hv } = ctx;
    if (ctx.exitInfo1 === BigInt(SVM_VMGEXIT_SET_AP_JUMP_TABLE)) {
      hv.apJumpTable = Number(BigInt.asUintN(52, ctx.ghcb.get('sw_exit_info_2')));
      hv.log.append({
        kind: 'log',
        vcpu: ctx.vcpu.index,
        source: 'kvm',
        message: `AP jump table set to ${hex(hv.apJumpTable)}`,
      });
      return { kind: 'resume' };
    }
    if (ctx.exitInfo1 === BigInt(SVM_VMGEXIT_GET_AP_JUMP_TABLE)) {
      ctx.exitInfo2 = BigInt(hv.config.hostile.apJumpTableGet ?? hv.apJumpTable);
      return { kind: 'resume' };
    }
    return {
      kind: 'malformed',
      error: GHCB_ERR.INVALID_INPUT,
      why: `AP_JUMP_TABLE sub-function ${ctx.exitInfo1} is neither SET (0) nor GET (1)`,
    };
  },
};

/** GHCB-form AP reset hold: hold until a SIPI, which sets sw_exit_info_2 = 1 (KVM AP_RESET_HOLD_NAE_EVENT). */
export const apHltLoopExit: ExitRow = {
  exitCode: SVM_VMGEXIT.AP_HLT_LOOP,
  name: 'SVM_VMGEXIT_AP_HLT_LOOP',
  handle: () => ({ kind: 'hold' }),
};
