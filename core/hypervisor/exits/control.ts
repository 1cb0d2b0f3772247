import { hex } from '../../event-log.ts';
import { SVM_VMGEXIT } from '../../sev/exit-codes.ts';
import type { ExitRow } from '../exit-table.ts';

export const hvFeaturesExit: ExitRow = {
  exitCode: SVM_VMGEXIT.HV_FEATURES,
  name: 'SVM_VMGEXIT_HV_FEATURES',
  handle: (ctx) => {
    ctx.exitInfo2 = ctx.hv.config.hvFeatures;
    return { kind: 'resume' };
  },
};

/** GHCB spec 4.1.13: SW_EXITINFO1[3:0] reason set, [11:4] reason code. KVM stops the VM. */
export const termRequestExit: ExitRow = {
  exitCode: SVM_VMGEXIT.TERM_REQUEST,
  name: 'SVM_VMGEXIT_TERM_REQUEST',
  handle: ({ exitInfo1 }) => ({
    kind: 'terminate',
    set: Number(exitInfo1 & 0xfn),
    code: Number((exitInfo1 >> 4n) & 0xffn),
    why: 'guest requested termination',
  }),
};

/** KVM: vcpu_unimpl("vmgexit: unsupported event") and -EINVAL, which stops the VM. */
export const unsupportedEventExit: ExitRow = {
  exitCode: SVM_VMGEXIT.UNSUPPORTED_EVENT,
  name: 'SVM_VMGEXIT_UNSUPPORTED_EVENT',
  handle: ({ exitInfo1, ghcb }) => ({
    kind: 'terminate',
    set: 0,
    code: 0,
    why: `guest reported an unsupported event: exit_info_1=${hex(exitInfo1)}, exit_info_2=${hex(ghcb.get('sw_exit_info_2'))}`,
  }),
};
