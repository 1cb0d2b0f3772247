import {
  GHCB_SHARED_BUFFER,
  type Ghcb,
  type GhcbField,
  hvFeatureNames,
  IOIO,
  MSR_EXIT_WRITE,
  SVM_EXIT,
  SVM_VMGEXIT,
  SVM_VMGEXIT_GET_AP_JUMP_TABLE,
  SVM_VMGEXIT_SET_AP_JUMP_TABLE,
} from '../../../core/index.ts';
import { type ArgSpec, type Args, arg } from '../grammar.ts';
import { hex, pad } from '../numbers.ts';

/** What the guest puts in its GHCB for one event, as the kernel's #VC handlers and callers do. */
export interface GhcbRequest {
  info1: bigint;
  info2: bigint;
  /** Register fields set with ghcb_set_*(): written and marked valid. */
  fields?: Partial<Record<GhcbField, bigint>>;
  /** Data for the shared buffer (MMIO write); the scratch area then points at it. */
  shared?: Uint8Array;
  /** sw_scratch = this vCPU's shared buffer (vc_do_mmio: ghcb_pa + offsetof(shared_buffer)). */
  scratch?: boolean;
}

/** One `vmgexit EVENT` form: the exit code's table key, its arguments and how to build and read it. */
export interface EventRow {
  /** `cpuid`, `ap-jump-table get`: the words after `vmgexit`. */
  event: string;
  key: keyof typeof SVM_EXIT | keyof typeof SVM_VMGEXIT;
  args: readonly ArgSpec[];
  summary: string;
  example: string;
  build(a: Args): GhcbRequest;
  /** Event-specific lines read from the page after the exit (the request for context). */
  show?(answer: Ghcb, req: GhcbRequest): string[];
}

export const exitCodeOf = (key: EventRow['key']): number =>
  (SVM_EXIT as Record<string, number>)[key] ?? (SVM_VMGEXIT as Record<string, number>)[key]!;

/** `READ_DR7` -> `read-dr7`: the command word of a table key. */
export const eventWord = (key: string): string => key.toLowerCase().replaceAll('_', '-');

const reg = (g: Ghcb, f: GhcbField) => `${f}=${g.isValid(f) ? hex(g.get(f)) : '(not valid)'}`;
const edxEax = (g: Ghcb) =>
  g.isValid('rax') && g.isValid('rdx')
    ? hex(((g.get('rdx') & 0xffffffffn) << 32n) | (g.get('rax') & 0xffffffffn))
    : '(rax/rdx not valid)';
const IO_SIZES = ['1', '2', '4'] as const;
const IO_SIZE_BITS: Record<string, number> = { '1': IOIO.SZ8, '2': IOIO.SZ16, '4': IOIO.SZ32 };

/** sev-shared.c vc_ioio_exitinfo for `in`/`out` with DX: port 31:16, size, type; 16-bit addressing. */
const ioInfo = (port: bigint, size: string, input: boolean) =>
  (port << BigInt(IOIO.PORT_SHIFT)) | BigInt(IO_SIZE_BITS[size]! | IOIO.A16 | (input ? IOIO.TYPE_IN : 0));

const none = (): GhcbRequest => ({ info1: 0n, info2: 0n });

/** Events with their own arguments; every other exit code gets `[INFO1] [INFO2]` (see `eventRows`). */
const SHAPED: readonly EventRow[] = [
  {
    event: 'cpuid',
    key: 'CPUID',
    args: [arg.value('FN'), arg.opt(arg.value('SUBFN'))],
    summary: 'CPUID through the GHCB (vc_handle_cpuid: RAX, RCX, and XCR0 for leaf 0xD)',
    example: 'vmgexit cpuid 0x8000001f',
    build: (a) => {
      const fn = a.bigint('FN');
      return {
        ...none(),
        fields: { rax: fn, rcx: a.bigint('SUBFN', 0n), ...(fn === 0xdn ? { xcr0: 1n } : {}) },
      };
    },
    show: (g) => [['rax', 'rbx', 'rcx', 'rdx'].map((f) => reg(g, f as GhcbField)).join(' ')],
  },
  {
    event: 'ioio in',
    key: 'IOIO',
    args: [arg.value('PORT'), arg.opt(arg.choice('SIZE', IO_SIZES))],
    summary: 'port input (IN from DX) through the GHCB',
    example: 'vmgexit ioio in 0x3f8 1',
    build: (a) => ({ info1: ioInfo(a.bigint('PORT'), a.text('SIZE', '1'), true), info2: 0n }),
    show: (g) => [reg(g, 'rax')],
  },
  {
    event: 'ioio out',
    key: 'IOIO',
    args: [arg.value('PORT'), arg.value('VALUE'), arg.opt(arg.choice('SIZE', IO_SIZES))],
    summary: 'port output (OUT to DX) through the GHCB',
    example: 'vmgexit ioio out 0x3f8 0x41 1',
    build: (a) => ({
      info1: ioInfo(a.bigint('PORT'), a.text('SIZE', '1'), false),
      info2: 0n,
      fields: { rax: a.bigint('VALUE') },
    }),
  },
  {
    event: 'msr read',
    key: 'MSR',
    args: [arg.value('MSR')],
    summary: 'RDMSR through the GHCB (vc_handle_msr: RCX)',
    example: 'vmgexit msr read 0x802',
    build: (a) => ({ info1: 0n, info2: 0n, fields: { rcx: a.bigint('MSR') } }),
    show: (g) => [`value=${edxEax(g)}`],
  },
  {
    event: 'msr write',
    key: 'MSR',
    args: [arg.value('MSR'), arg.value('VALUE')],
    summary: 'WRMSR through the GHCB (RCX, RAX = low half, RDX = high half)',
    example: 'vmgexit msr write 0x830 0x000000000000c500',
    build: (a) => {
      const v = a.bigint('VALUE');
      return {
        info1: BigInt(MSR_EXIT_WRITE),
        info2: 0n,
        fields: { rcx: a.bigint('MSR'), rax: v & 0xffffffffn, rdx: v >> 32n },
      };
    },
  },
  {
    event: 'read-dr7',
    key: 'READ_DR7',
    args: [],
    summary: 'DR7 read',
    example: 'vmgexit read-dr7',
    build: none,
    show: (g) => [reg(g, 'rax')],
  },
  {
    event: 'write-dr7',
    key: 'WRITE_DR7',
    args: [arg.value('VALUE')],
    summary: 'DR7 write (RAX)',
    example: 'vmgexit write-dr7 0x400',
    build: (a) => ({ ...none(), fields: { rax: a.bigint('VALUE') } }),
  },
  {
    event: 'rdtsc',
    key: 'RDTSC',
    args: [],
    summary: 'RDTSC (the machine instruction count here)',
    example: 'vmgexit rdtsc',
    build: none,
    show: (g) => [`tsc=${edxEax(g)}`],
  },
  {
    event: 'rdtscp',
    key: 'RDTSCP',
    args: [],
    summary: 'RDTSCP: TSC and TSC_AUX (RCX)',
    example: 'vmgexit rdtscp',
    build: none,
    show: (g) => [`tsc=${edxEax(g)} ${reg(g, 'rcx')}`],
  },
  {
    event: 'rdpmc',
    key: 'RDPMC',
    args: [arg.value('ECX')],
    summary: 'RDPMC of counter ECX',
    example: 'vmgexit rdpmc 0',
    build: (a) => ({ ...none(), fields: { rcx: a.bigint('ECX') } }),
    show: (g) => [`value=${edxEax(g)}`],
  },
  {
    event: 'vmmcall',
    key: 'VMMCALL',
    args: [arg.value('RAX'), arg.opt(arg.value('CPL'))],
    summary: 'a hypercall (RAX, CPL)',
    example: 'vmgexit vmmcall 12 0',
    build: (a) => ({ ...none(), fields: { rax: a.bigint('RAX'), cpl: a.bigint('CPL', 0n) } }),
    show: (g) => [reg(g, 'rax')],
  },
  {
    event: 'monitor',
    key: 'MONITOR',
    args: [arg.value('RAX'), arg.value('RCX'), arg.value('RDX')],
    summary: 'MONITOR (RAX, RCX, RDX)',
    example: 'vmgexit monitor 0x1000 0 0',
    build: (a) => ({
      ...none(),
      fields: { rax: a.bigint('RAX'), rcx: a.bigint('RCX'), rdx: a.bigint('RDX') },
    }),
  },
  {
    event: 'mwait',
    key: 'MWAIT',
    args: [arg.value('RAX'), arg.value('RCX')],
    summary: 'MWAIT (RAX, RCX)',
    example: 'vmgexit mwait 0 0',
    build: (a) => ({ ...none(), fields: { rax: a.bigint('RAX'), rcx: a.bigint('RCX') } }),
  },
  {
    event: 'mmio-read',
    key: 'MMIO_READ',
    args: [arg.value('GPA'), arg.value('LEN')],
    summary: 'MMIO read into the shared buffer (vc_do_mmio: info1 GPA, info2 length, sw_scratch)',
    example: 'vmgexit mmio-read 0xfee00030 4',
    build: (a) => ({ info1: a.bigint('GPA'), info2: a.bigint('LEN'), scratch: true }),
    show: (g, req) => {
      const n = Math.min(Number(req.info2), GHCB_SHARED_BUFFER.size);
      const data = g.bytes.subarray(GHCB_SHARED_BUFFER.offset, GHCB_SHARED_BUFFER.offset + n);
      const bytes = Array.from(data, (b) => pad(b, 2)).join(' ');
      let v = 0n;
      for (let i = Math.min(n, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[i]!);
      return [`data: ${bytes}${n <= 8 ? `  (value ${hex(v)})` : ''}`];
    },
  },
  {
    event: 'mmio-write',
    key: 'MMIO_WRITE',
    args: [arg.value('GPA'), arg.hex('HEX')],
    summary: 'MMIO write of the given bytes from the shared buffer',
    example: 'vmgexit mmio-write 0xb8000 41074207',
    build: (a) => {
      const data = a.bytes('HEX');
      return { info1: a.bigint('GPA'), info2: BigInt(data.length), shared: data, scratch: true };
    },
  },
  {
    event: 'nmi-complete',
    key: 'NMI_COMPLETE',
    args: [],
    summary: 'NMI handling finished',
    example: 'vmgexit nmi-complete',
    build: none,
  },
  {
    event: 'ap-hlt-loop',
    key: 'AP_HLT_LOOP',
    args: [],
    summary: 'AP reset hold, GHCB form: the vCPU holds until a SIPI sets sw_exit_info_2 = 1',
    example: 'vmgexit ap-hlt-loop',
    build: none,
  },
  {
    event: 'ap-jump-table get',
    key: 'AP_JUMP_TABLE',
    args: [],
    summary: 'ask the hypervisor for the AP jump table GPA (sev_es_get_jump_table_addr)',
    example: 'vmgexit ap-jump-table get',
    build: () => ({ info1: BigInt(SVM_VMGEXIT_GET_AP_JUMP_TABLE), info2: 0n }),
    show: (g) => [`jump table GPA ${hex(g.get('sw_exit_info_2'))}`],
  },
  {
    event: 'ap-jump-table set',
    key: 'AP_JUMP_TABLE',
    args: [arg.value('GPA')],
    summary: 'register the AP jump table GPA (what OVMF does)',
    example: 'vmgexit ap-jump-table set 0xfef00000',
    build: (a) => ({ info1: BigInt(SVM_VMGEXIT_SET_AP_JUMP_TABLE), info2: a.bigint('GPA') }),
  },
  {
    event: 'hv-features',
    key: 'HV_FEATURES',
    args: [],
    summary: 'the hypervisor feature bitmap',
    example: 'vmgexit hv-features',
    build: none,
    show: (g) => {
      const f = g.get('sw_exit_info_2');
      return [`features ${hex(f)}${f ? ` [${hvFeatureNames(f).join(' ')}]` : ''}`];
    },
  },
  {
    event: 'term-request',
    key: 'TERM_REQUEST',
    args: [arg.number('SET'), arg.number('CODE')],
    summary: 'ask the hypervisor to stop the VM (info1 3:0 reason set, 11:4 code)',
    example: 'vmgexit term-request 1 0',
    build: (a) => ({ info1: (a.bigint('SET') & 0xfn) | ((a.bigint('CODE') & 0xffn) << 4n), info2: 0n }),
  },
];

const RAW_ARGS = [arg.opt(arg.value('INFO1')), arg.opt(arg.value('INFO2'))];

/** Every exit code of the tables: the shaped forms, then `[INFO1] [INFO2]` for the rest. */
export const eventRows: readonly EventRow[] = [
  ...SHAPED,
  ...[...Object.keys(SVM_EXIT), ...Object.keys(SVM_VMGEXIT)]
    .filter((k) => !SHAPED.some((r) => r.key === k))
    .map(
      (k): EventRow => ({
        event: eventWord(k),
        key: k as EventRow['key'],
        args: RAW_ARGS,
        summary: `exit ${hex(exitCodeOf(k as EventRow['key']))} with sw_exit_info_1/2 as given`,
        example: `vmgexit ${eventWord(k)} 0 0`,
        build: (a) => ({ info1: a.bigint('INFO1', 0n), info2: a.bigint('INFO2', 0n) }),
      }),
    ),
];
