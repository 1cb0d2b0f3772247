import { SVM_EXIT, SVM_VMGEXIT } from '../../sev/exit-codes.ts';
import type { ExitRow } from '../exit-table.ts';

const resume = () => ({ kind: 'resume' }) as const;

/** Exits that need little or nothing from the hypervisor; inputs as KVM sev_es_validate_vmgexit. */
export const miscExits: readonly ExitRow[] = [
  {
    exitCode: SVM_EXIT.READ_DR7,
    name: 'SVM_EXIT_READ_DR7',
    handle: ({ regs }) => {
      regs.rax = 0x400n; // DR7 reset value
      return resume();
    },
  },
  { exitCode: SVM_EXIT.WRITE_DR7, name: 'SVM_EXIT_WRITE_DR7', requires: () => ['rax'], handle: resume },
  {
    exitCode: SVM_EXIT.RDTSC,
    name: 'SVM_EXIT_RDTSC',
    // Why deterministic: the TSC is the machine's instruction count, so runs replay exactly.
    handle: ({ hv, regs }) => {
      const tsc = BigInt(hv.log.clock());
      regs.rax = tsc & 0xffffffffn;
      regs.rdx = tsc >> 32n;
      return resume();
    },
  },
  {
    exitCode: SVM_EXIT.RDTSCP,
    name: 'SVM_EXIT_RDTSCP',
    handle: ({ hv, vcpu, regs }) => {
      const tsc = BigInt(hv.log.clock());
      regs.rax = tsc & 0xffffffffn;
      regs.rdx = tsc >> 32n;
      regs.rcx = BigInt(vcpu.index);
      return resume();
    },
  },
  {
    exitCode: SVM_EXIT.RDPMC,
    name: 'SVM_EXIT_RDPMC',
    requires: () => ['rcx'],
    handle: ({ regs }) => {
      regs.rax = 0n;
      regs.rdx = 0n;
      return resume();
    },
  },
  { exitCode: SVM_EXIT.INVD, name: 'SVM_EXIT_INVD', handle: resume },
  { exitCode: SVM_EXIT.WBINVD, name: 'SVM_EXIT_WBINVD', handle: resume },
  {
    exitCode: SVM_EXIT.VMMCALL,
    name: 'SVM_EXIT_VMMCALL',
    requires: () => ['rax', 'cpl'],
    handle: ({ hv, vcpu, regs }) => {
      regs.rax = hv.hypercall(vcpu, regs.rax);
      return resume();
    },
  },
  {
    exitCode: SVM_EXIT.MONITOR,
    name: 'SVM_EXIT_MONITOR',
    requires: () => ['rax', 'rcx', 'rdx'],
    handle: resume,
  },
  { exitCode: SVM_EXIT.MWAIT, name: 'SVM_EXIT_MWAIT', requires: () => ['rax', 'rcx'], handle: resume },
  { exitCode: SVM_VMGEXIT.NMI_COMPLETE, name: 'SVM_VMGEXIT_NMI_COMPLETE', handle: resume },
];
