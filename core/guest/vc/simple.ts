import { SVM_EXIT } from '../../sev/exit-codes.ts';
import type { GhcbField } from '../../sev/ghcb-layout.ts';
import { callFailed, type VcHandler, type VcResult, vmmError } from './types.ts';

const mask32 = 0xffffffffn;
const needValid = (g: { isValid(f: GhcbField): boolean }, fields: GhcbField[]): GhcbField[] =>
  fields.filter((f) => !g.isValid(f));

/**
 * Linux vc_handle_cpuid (arch/x86/kernel/sev-shared.c). Why the validity check: a hypervisor that leaves
 * an output unmarked would otherwise hand the guest a silent zero; the kernel calls it ES_VMM_ERROR.
 */
export const cpuidVc: VcHandler = {
  exitCode: SVM_EXIT.CPUID,
  name: 'CPUID',
  handle: ({ regs, hvCall }) => {
    const r = hvCall(SVM_EXIT.CPUID, 0n, 0n, (g) => {
      g.set('rax', regs.get('rax') & mask32);
      g.set('rcx', regs.get('rcx') & mask32);
      g.set('xcr0', 1n);
    });
    if (r.result !== 'ES_OK') return callFailed(r);
    const missing = needValid(r.ghcb, ['rax', 'rbx', 'rcx', 'rdx']);
    if (missing.length) return vmmError(`CPUID answer without valid ${missing.join(', ')}`);
    for (const n of ['rax', 'rbx', 'rcx', 'rdx'] as const) regs.set(n, r.ghcb.get(n) & mask32);
    return { result: 'ES_OK' };
  },
};

/** Linux vc_handle_msr: 0F 30 is WRMSR (exit_info_1 = 1), 0F 32 is RDMSR. */
export const msrVc: VcHandler = {
  exitCode: SVM_EXIT.MSR,
  name: 'MSR',
  handle: ({ regs, insn, hvCall }): VcResult => {
    const write = insn.opcode === 0x30;
    const r = hvCall(SVM_EXIT.MSR, write ? 1n : 0n, 0n, (g) => {
      g.set('rcx', regs.get('rcx') & mask32);
      if (write) {
        g.set('rax', regs.get('rax') & mask32);
        g.set('rdx', regs.get('rdx') & mask32);
      }
    });
    if (r.result !== 'ES_OK') return callFailed(r);
    if (!write) {
      const missing = needValid(r.ghcb, ['rax', 'rdx']);
      if (missing.length) return vmmError(`RDMSR answer without valid ${missing.join(', ')}`);
      regs.set('rax', r.ghcb.get('rax') & mask32);
      regs.set('rdx', r.ghcb.get('rdx') & mask32);
    }
    return { result: 'ES_OK' };
  },
};

/** Linux vc_handle_rdtsc: RDTSC returns RAX/RDX, RDTSCP also RCX. */
const rdtsc = (exitCode: number, name: string, outputs: ('rax' | 'rcx' | 'rdx')[]): VcHandler => ({
  exitCode,
  name,
  handle: ({ regs, hvCall }) => {
    const r = hvCall(exitCode, 0n, 0n);
    if (r.result !== 'ES_OK') return callFailed(r);
    const missing = needValid(r.ghcb, outputs);
    if (missing.length) return vmmError(`${name} answer without valid ${missing.join(', ')}`);
    for (const n of outputs) regs.set(n, r.ghcb.get(n) & mask32);
    return { result: 'ES_OK' };
  },
});

/** Exits with no outputs: the guest only tells the hypervisor (WBINVD, INVD, MONITOR, MWAIT, DR7 write). */
const notify = (exitCode: number, name: string, inputs: ('rax' | 'rcx' | 'rdx')[]): VcHandler => ({
  exitCode,
  name,
  handle: ({ regs, hvCall }) => {
    const r = hvCall(exitCode, 0n, 0n, (g) => {
      for (const n of inputs) g.set(n, regs.get(n));
    });
    return r.result === 'ES_OK' ? { result: 'ES_OK' } : callFailed(r);
  },
});

/** Linux vc_handle_vmmcall: RAX and CPL in, RAX out. */
export const vmmcallVc: VcHandler = {
  exitCode: SVM_EXIT.VMMCALL,
  name: 'VMMCALL',
  handle: ({ regs, hvCall }) => {
    const r = hvCall(SVM_EXIT.VMMCALL, 0n, 0n, (g) => {
      g.set('rax', regs.get('rax'));
      g.set('cpl', 0n);
    });
    if (r.result !== 'ES_OK') return callFailed(r);
    if (!r.ghcb.isValid('rax')) return vmmError('VMMCALL answer without a valid RAX');
    regs.set('rax', r.ghcb.get('rax'));
    return { result: 'ES_OK' };
  },
};

export const simpleVcHandlers: readonly VcHandler[] = [
  cpuidVc,
  msrVc,
  vmmcallVc,
  rdtsc(SVM_EXIT.RDTSC, 'RDTSC', ['rax', 'rdx']),
  rdtsc(SVM_EXIT.RDTSCP, 'RDTSCP', ['rax', 'rcx', 'rdx']),
  notify(SVM_EXIT.WBINVD, 'WBINVD', []),
  notify(SVM_EXIT.INVD, 'INVD', []),
  notify(SVM_EXIT.MONITOR, 'MONITOR', ['rax', 'rcx', 'rdx']),
  notify(SVM_EXIT.MWAIT, 'MWAIT', ['rax', 'rcx']),
];
