import { SVM_EXIT } from '../../sev/exit-codes.ts';
import type { ExitRow } from '../exit-table.ts';

/** KVM: CPUID needs RAX and RCX, plus XCR0 when RAX = 0xD (sev_es_validate_vmgexit). */
export const cpuidExit: ExitRow = {
  exitCode: SVM_EXIT.CPUID,
  name: 'SVM_EXIT_CPUID',
  requires: (g) => (g.get('rax') === 0xdn ? ['rax', 'rcx', 'xcr0'] : ['rax', 'rcx']),
  handle: ({ hv, vcpu, regs }) => {
    const r = hv.cpuid(vcpu, Number(regs.rax & 0xffffffffn), Number(regs.rcx & 0xffffffffn));
    regs.rax = BigInt(r.eax >>> 0);
    regs.rbx = BigInt(r.ebx >>> 0);
    regs.rcx = BigInt(r.ecx >>> 0);
    regs.rdx = BigInt(r.edx >>> 0);
    return { kind: 'resume' };
  },
};
