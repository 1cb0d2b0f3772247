import {
  encodeEventInjection,
  SVM_EVTINJ_TYPE_EXEPT,
  SVM_EVTINJ_TYPE_SHIFT,
  X86_TRAP_GP,
} from '../../sev/event-injection.ts';
import { MSR_EXIT_WRITE, SVM_EXIT } from '../../sev/exit-codes.ts';
import type { ExitRow } from '../exit-table.ts';

/** #GP(0) in event-injection form: what KVM answers for an MSR access it refuses. */
export const GP0 = encodeEventInjection({
  vector: X86_TRAP_GP,
  type: SVM_EVTINJ_TYPE_EXEPT >> SVM_EVTINJ_TYPE_SHIFT,
  errorCodeValid: true,
  valid: true,
  errorCode: 0,
});

/** KVM: MSR needs RCX, plus RAX and RDX for WRMSR (sw_exit_info_1 = 1). */
export const msrExit: ExitRow = {
  exitCode: SVM_EXIT.MSR,
  name: 'SVM_EXIT_MSR',
  requires: (g) => (g.get('sw_exit_info_1') === BigInt(MSR_EXIT_WRITE) ? ['rcx', 'rax', 'rdx'] : ['rcx']),
  handle: ({ hv, vcpu, regs, exitInfo1 }) => {
    const msr = Number(regs.rcx & 0xffffffffn);
    if (exitInfo1 === BigInt(MSR_EXIT_WRITE)) {
      const value = ((regs.rdx & 0xffffffffn) << 32n) | (regs.rax & 0xffffffffn);
      return hv.wrmsr(vcpu, msr, value) ? { kind: 'resume' } : { kind: 'exception', eventInjection: GP0 };
    }
    const value = hv.rdmsr(vcpu, msr);
    if (value === undefined) return { kind: 'exception', eventInjection: GP0 };
    regs.rax = value & 0xffffffffn;
    regs.rdx = value >> 32n;
    return { kind: 'resume' };
  },
};
