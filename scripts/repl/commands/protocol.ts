import {
  apResetHoldReq,
  CommandError,
  CPUID_REG,
  type CpuidReg,
  cpuidReq,
  exitCodeName,
  GHCB_FIELDS,
  GHCB_PAGE_SIZE,
  type GhcbField,
  hvFeaturesReq,
  MSR_AMD64_SEV_ES_GHCB,
  MSR_EXIT_WRITE,
  SVM_EXIT,
  termReq,
} from '../../../core/index.ts';
import { ghcbLines } from '../format/ghcb.ts';
import { describeGhcbMsr } from '../format/msr.ts';
import { arg } from '../grammar.ts';
import { hex } from '../numbers.ts';
import { type CommandRow, row } from '../row.ts';
import type { Session } from '../session.ts';
import { checkCanExit, ghcbExit, verdict } from './vmgexit.ts';

/** An MSR-protocol exchange on the selected vCPU: write the MSR, VMGEXIT, read it back. */
function exchange(s: Session, request: bigint, example: string): string {
  checkCanExit(s, example);
  const response = s.machine.msrProtocol(s.selected, request);
  const t = s.machine.hv.terminated;
  const head = `${describeGhcbMsr(request)} (${hex(request)})`;
  if (t) return `${head}\nVM terminated: ${t.reason} (set ${t.set}, code ${t.code})`;
  if (response === request) return `${head}\nno answer: the hypervisor left the MSR unchanged`;
  return `${head}\n-> ${describeGhcbMsr(response)} (${hex(response)})`;
}

const fieldRange = (name: string, v: bigint, example: string): void => {
  const bits = name === 'usage' ? 32 : GHCB_FIELDS[name as GhcbField].size * 8;
  if (v >= 1n << BigInt(bits))
    throw new CommandError(`${hex(v)} does not fit in ${name} (${bits} bits); example: ${example}`);
};

/** Reads an MSR the CPU keeps, or null when the platform (hypervisor) owns it. */
function archMsr(s: Session, msr: number): bigint | null {
  try {
    return s.cpu.getMsr(msr);
  } catch {
    return null;
  }
}

function checkMsr(v: bigint, example: string): number {
  if (v > 0xffffffffn) throw new CommandError(`MSR ${hex(v)} is wider than 32 bits; example: ${example}`);
  return Number(v);
}

const CPUID_REG_NAMES = Object.keys(CPUID_REG).map((k) => k.toLowerCase());

export const protocolRows: readonly CommandRow[] = [
  row({
    name: 'rdmsr',
    group: 'protocol',
    args: [arg.value('MSR')],
    summary:
      'read an MSR as the guest would: CPU-held ones directly, others through the hypervisor (#VC -> GHCB)',
    example: 'rdmsr 0xc0010130',
    run: (a, s) => {
      const msr = checkMsr(a.bigint('MSR'), 'rdmsr 0xc0010130');
      const v = archMsr(s, msr);
      if (v !== null)
        return `${hex(msr)} = ${hex(v)}${msr === MSR_AMD64_SEV_ES_GHCB ? ` (${describeGhcbMsr(v)})` : ''}`;
      if (s.sevEs) {
        checkCanExit(s, 'rdmsr 0x802');
        return ghcbExit(s, SVM_EXIT.MSR, { info1: 0n, info2: 0n, fields: { rcx: BigInt(msr) } }, (g) => [
          `${hex(msr)} = ${hex(((g.get('rdx') & 0xffffffffn) << 32n) | (g.get('rax') & 0xffffffffn))}`,
        ]);
      }
      const hv = s.machine.hv.rdmsr(s.vcpu, msr);
      return hv === undefined ? `${hex(msr)}: #GP (the hypervisor refuses it)` : `${hex(msr)} = ${hex(hv)}`;
    },
  }),
  row({
    name: 'wrmsr',
    group: 'protocol',
    args: [arg.value('MSR'), arg.value('VALUE')],
    summary: 'write an MSR as the guest would; the GHCB MSR (0xc0010130) is set directly, ready for vmgexit',
    example: 'wrmsr 0xc0010130 0x2',
    run: (a, s) => {
      const msr = checkMsr(a.bigint('MSR'), 'wrmsr 0xc0010130 0x2');
      const value = a.bigint('VALUE');
      if (archMsr(s, msr) !== null) {
        try {
          s.cpu.setMsr(msr, value);
        } catch (e) {
          throw new CommandError(`${(e as Error).message}; example: wrmsr 0xc0010130 0x2`);
        }
        return `${hex(msr)} <- ${hex(value)}${msr === MSR_AMD64_SEV_ES_GHCB ? ` (${describeGhcbMsr(value)})` : ''}`;
      }
      if (s.sevEs) {
        checkCanExit(s, 'wrmsr 0x830 0xc500');
        return ghcbExit(s, SVM_EXIT.MSR, {
          info1: BigInt(MSR_EXIT_WRITE),
          info2: 0n,
          fields: { rcx: BigInt(msr), rax: value & 0xffffffffn, rdx: value >> 32n },
        });
      }
      return s.machine.hv.wrmsr(s.vcpu, msr, value)
        ? `${hex(msr)} <- ${hex(value)}`
        : `${hex(msr)}: #GP (the hypervisor refuses it)`;
    },
  }),
  row({
    name: 'msr-proto sev-info',
    group: 'protocol',
    args: [],
    summary: 'GHCB_MSR_SEV_INFO_REQ: the protocol range and C-bit the hypervisor reports',
    example: 'msr-proto sev-info',
    run: (_a, s) => exchange(s, 0x002n, 'msr-proto sev-info'),
  }),
  row({
    name: 'msr-proto cpuid',
    group: 'protocol',
    args: [arg.value('FN'), arg.choice('REG', CPUID_REG_NAMES)],
    summary: 'GHCB_MSR_CPUID_REQ: one CPUID register through the MSR protocol (subleaf 0)',
    example: 'msr-proto cpuid 0x8000001f ebx',
    run: (a, s) => {
      const fn = a.bigint('FN');
      if (fn > 0xffffffffn)
        throw new CommandError(`FN ${hex(fn)} is wider than 32 bits; example: msr-proto cpuid 0x1 eax`);
      const r = CPUID_REG[a.text('REG').toUpperCase() as keyof typeof CPUID_REG] as CpuidReg;
      return exchange(s, cpuidReq(Number(fn), r), 'msr-proto cpuid 0x1 eax');
    },
  }),
  row({
    name: 'msr-proto ap-reset-hold',
    group: 'protocol',
    args: [],
    summary: 'GHCB_MSR_AP_RESET_HOLD_REQ: the vCPU holds until a SIPI releases it',
    example: 'msr-proto ap-reset-hold',
    run: (_a, s) => {
      const out = exchange(s, apResetHoldReq(), 'msr-proto ap-reset-hold');
      return s.vcpu.state === 'ap-reset-hold'
        ? `${out}\ncpu${s.selected} is in AP reset hold until a SIPI`
        : out;
    },
  }),
  row({
    name: 'msr-proto hv-features',
    group: 'protocol',
    args: [],
    summary: 'GHCB_MSR_HV_FT_REQ: the hypervisor feature bitmap',
    example: 'msr-proto hv-features',
    run: (_a, s) => exchange(s, hvFeaturesReq(), 'msr-proto hv-features'),
  }),
  row({
    name: 'msr-proto terminate',
    group: 'protocol',
    args: [arg.number('SET'), arg.number('CODE')],
    summary: 'GHCB_MSR_TERM_REQ: ask the hypervisor to stop the VM with a reason set and code',
    example: 'msr-proto terminate 0 1',
    run: (a, s) => {
      const set = a.int('SET');
      const code = a.int('CODE');
      if (set > 0xf || code > 0xff)
        throw new CommandError(
          `SET is 0..15 and CODE 0..255 (got ${set}, ${code}); example: msr-proto terminate 0 1`,
        );
      return exchange(s, termReq(set, code), 'msr-proto terminate 0 1');
    },
  }),
  row({
    name: 'msr-proto raw',
    group: 'protocol',
    args: [arg.value('VALUE')],
    summary: 'any MSR-protocol value (GHCBInfo in 11:0, non-zero)',
    example: 'msr-proto raw 0x14',
    run: (a, s) => {
      const v = a.bigint('VALUE');
      if ((v & 0xfffn) === 0n)
        throw new CommandError(
          `${hex(v)} has GHCBInfo 0: that is a GHCB GPA, not a request; example: msr-proto raw 0x14`,
        );
      return exchange(s, v, 'msr-proto raw 0x14');
    },
  }),
  row({
    name: 'ghcb',
    group: 'protocol',
    args: [arg.opt(arg.ghcbField()), arg.opt(arg.lit('=')), arg.opt(arg.value('VALUE'))],
    summary: "show the selected vCPU's GHCB page, or stage a field edit for the next vmgexit",
    example: 'ghcb sw_exit_info_2 = 0x5',
    run: (a, s) => {
      if (!s.sevEs)
        throw new CommandError('this machine is not SEV-ES (--sev none): there is no GHCB; example: ghcb');
      if (a.has('FIELD')) {
        if (!a.has('VALUE'))
          throw new CommandError('ghcb: FIELD needs = VALUE; example: ghcb sw_exit_info_2 = 0x5');
        const field = a.text('FIELD');
        const value = a.bigint('VALUE');
        fieldRange(field, value, 'ghcb sw_exit_info_2 = 0x5');
        const staged = s.staged?.vcpu === s.selected ? s.staged : { vcpu: s.selected, fields: {} };
        if (field === 'usage') staged.usage = Number(value);
        else staged.fields[field as GhcbField] = value;
        s.staged = staged;
        return `staged ${field} = ${hex(value)} for cpu${s.selected}'s next exit`;
      }
      const gpa = s.ghcbGpa();
      return ghcbLines(s.machine.memory.read(gpa, GHCB_PAGE_SIZE), gpa, s.staged).join('\n');
    },
  }),
  row({
    name: 'ghcb clear',
    group: 'protocol',
    args: [],
    summary: 'drop the staged GHCB edits',
    example: 'ghcb clear',
    run: (_a, s) => {
      s.staged = null;
      return 'staged GHCB edits dropped';
    },
  }),
  row({
    name: 'ghcb exit',
    group: 'protocol',
    args: [],
    summary: 'VMGEXIT with a page holding exactly the staged fields (nothing else valid)',
    example: 'ghcb exit',
    run: (_a, s) => {
      checkCanExit(s, 'ghcb exit');
      const staged = s.staged?.vcpu === s.selected ? s.staged : null;
      if (!staged)
        throw new CommandError('nothing is staged for this vCPU; example: ghcb sw_exit_code = 0x72');
      const answer = s.machine.rawGhcbExit(s.selected, {
        fields: staged.fields,
        ...(staged.usage !== undefined ? { usage: staged.usage } : {}),
      });
      s.staged = null;
      const t = s.machine.hv.terminated;
      const code = staged.fields.sw_exit_code;
      const head = `${code === undefined ? 'exit' : exitCodeName(code)} on cpu${s.selected} (hand-edited page)`;
      return t ? `${head}\nVM terminated: ${t.reason}` : `${head}\n${verdict(answer)}`;
    },
  }),
];
