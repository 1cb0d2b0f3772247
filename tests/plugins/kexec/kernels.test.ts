import { describe, expect, test } from 'bun:test';
import { fileURLToPath } from 'node:url';
import {
  BOOT_COMMAND,
  BOOT_INFO,
  BOOT_INFO_FLAGS,
  decodeReport,
  encodeBootInfo,
  KERNEL_NR_CPUS,
  kernelSignature,
  REPORT_EVENT,
  REPORT_PORT,
} from '../../../plugins/kexec/boot-info.ts';
import { symbolValue } from '../../../plugins/kexec/elf.ts';
import { readTestKernel, TEST_KERNELS } from '../../../plugins/kexec/kernels.ts';
import { objdump } from '../jump-table/objdump.ts';
import { hexBytes } from '../jump-table/sparse-memory.ts';
import { imageBytes } from './image-bytes.ts';

const hex = (n: number) => `0x${n.toString(16)}`;

const LAYOUT = [
  ['A', 0x8000, 0x1000000],
  ['B', 0xa000, 0x2000000],
  ['C', 0xc000, 0x3000000],
] as const;

describe.each(LAYOUT)('test kernel %s', (id, trampoline, base) => {
  const { bytes, image } = readTestKernel(id);
  const elf = fileURLToPath(TEST_KERNELS[id]);
  const sym = (name: string) => symbolValue(image, name);
  const abs = (name: string) => image.symbols.find((s) => s.name === name && s.absolute)?.value;
  /** Instruction texts of [from, to) by objdump; RIP-relative operands keep only objdump's symbol. */
  const code = (mode: string[], from: string, to: string) =>
    objdump(['-d', ...mode, `--start-address=${hex(sym(from))}`, `--stop-address=${hex(sym(to))}`, elf])
      .filter((l) => l.address >= sym(from) && l.address < sym(to))
      .map((l) => l.text.replace(/-?0x[0-9a-f]+\(%rip\)/, '(%rip)').replace(/ # [0-9a-f]+ (<.*>)$/, ' # $1'));

  test('is laid out at its trampoline page and its 16 MiB-aligned base', () => {
    expect([sym('trampoline_start'), image.entry, sym('startup_64')]).toEqual([trampoline, base, base]);
    expect(sym('sev_es_trampoline_start') - sym('trampoline_start')).toBe(3);
  });

  test('boot_info.inc and boot-info.ts agree (the assembler constants are in the symbol table)', () => {
    const asm = {
      jumpTableGpa: abs('BI_JUMP_TABLE_GPA'),
      nrCpus: abs('BI_NR_CPUS'),
      flags: abs('BI_FLAGS'),
      onlineFlags: abs('BI_ONLINE_FLAGS'),
      signature: abs('BI_SIGNATURE'),
      result: abs('BI_RESULT'),
      command: abs('BI_COMMAND'),
      arg: abs('BI_ARG'),
      kexecEntry: abs('BI_KEXEC_ENTRY'),
      kexecControl: abs('BI_KEXEC_CONTROL'),
      kexecPgd: abs('BI_KEXEC_PGD'),
      size: abs('BI_SIZE'),
    };
    expect(asm).toEqual({ ...BOOT_INFO });
    expect([
      abs('BI_FLAG_SEV_ES'),
      abs('CMD_NONE'),
      abs('CMD_KEXEC'),
      abs('CMD_CPU_DOWN'),
      abs('CMD_CPU_UP'),
    ]).toEqual([
      BOOT_INFO_FLAGS.sevEs,
      BOOT_COMMAND.none,
      BOOT_COMMAND.kexec,
      BOOT_COMMAND.cpuDown,
      BOOT_COMMAND.cpuUp,
    ]);
    expect([
      abs('REPORT_PORT'),
      abs('EVENT_SMP_BOOTED'),
      abs('EVENT_CPUS_STOPPED'),
      abs('EVENT_CPU_DOWN'),
      abs('EVENT_CPU_UP'),
      abs('NR_CPUS'),
    ]).toEqual([
      REPORT_PORT,
      REPORT_EVENT.smpBooted,
      REPORT_EVENT.cpusStopped,
      REPORT_EVENT.cpuDown,
      REPORT_EVENT.cpuUp,
      KERNEL_NR_CPUS,
    ]);
    expect(abs('kernel_id')).toBe(id.charCodeAt(0));
    expect(abs('KERNEL_SIGNATURE')).toBe(kernelSignature(id));
  });

  test('real-mode trampoline: both entries reach protected mode through the trampoline GDT', () => {
    expect(code(['-m', 'i8086'], 'trampoline_start', 'trampoline_startup_32')).toEqual([
      'cli',
      `jmp ${hex(sym('trampoline_real_mode')).slice(2)} <trampoline_real_mode>`,
      'cli',
      'mov %cs,%ax',
      'mov %ax,%ds',
      'mov %ax,%es',
      'mov %ax,%ss',
      'lidtl 0x80',
      'lgdtl 0x60',
      'mov $0x1,%eax',
      'mov %eax,%cr0',
      `ljmpl $0x8,$${hex(sym('trampoline_startup_32'))}`,
    ]);
    expect([sym('tr_idt') - trampoline, sym('tr_gdt') - trampoline]).toEqual([0x80, 0x60]);
  });

  test('32-bit trampoline: PAE, CR3 = trampoline_pgd, EFER.LME, CR0_STATE, far jump to 64-bit code', () => {
    expect(code(['-m', 'i386'], 'trampoline_startup_32', 'tr_gdt').slice(0, 15)).toEqual([
      'mov $0x18,%eax',
      'mov %eax,%ds',
      'mov %eax,%es',
      'mov %eax,%ss',
      'mov $0x20,%eax',
      'mov %eax,%cr4',
      `mov $${hex(sym('trampoline_pgd'))},%eax`,
      'mov %eax,%cr3',
      'mov $0xc0000080,%ecx',
      'rdmsr',
      'bts $0x8,%eax',
      'wrmsr',
      'mov $0x80050033,%eax',
      'mov %eax,%cr0',
      `ljmp $0x10,$${hex(sym('secondary_startup_64'))}`,
    ]);
  });

  test("tr_gdt holds its pseudo-descriptor and Linux's three descriptors", () => {
    const base = sym('tr_gdt');
    expect(hexBytes(imageBytes(bytes, image, base, 32))).toBe(
      [
        `1f 00 ${hexBytes(Uint8Array.of(base & 0xff, (base >> 8) & 0xff, 0, 0))} 00 00`,
        'ff ff 00 00 00 9b cf 00',
        'ff ff 00 00 00 9b af 00',
        'ff ff 00 00 00 93 cf 00',
      ].join(' '),
    );
  });

  test('sev_es_setup_ap_jump_table writes startup_ip then startup_cs = trampoline_start >> 4', () => {
    expect(code([], 'sev_es_setup_ap_jump_table', 'smp_boot_aps').slice(1)).toEqual([
      'testl $0x1,0xc(%rsi)',
      `je ${hex(sym('smp_boot_aps') - 1).slice(2)} <sev_es_setup_ap_jump_table+0x29>`,
      'mov (%rsi),%rdi',
      'test %rdi,%rdi',
      `je ${hex(sym('smp_boot_aps') - 1).slice(2)} <sev_es_setup_ap_jump_table+0x29>`,
      'movw $0x3,(%rdi)',
      `mov $${hex(trampoline)},%eax`,
      'shr $0x4,%eax',
      'mov %ax,0x2(%rdi)',
      'ret',
    ]);
  });

  test('wakeup_secondary_cpu: INIT (level, assert), then two SIPIs with vector trampoline_start >> 12', () => {
    expect(code([], 'wakeup_secondary_cpu', 'wait_for_aps_online').slice(0, 9)).toEqual([
      'mov $0x830,%ecx',
      'mov %ebx,%edx',
      'mov $0xc500,%eax',
      'wrmsr',
      `mov $${hex(trampoline)},%eax`,
      'shr $0xc,%eax',
      'or $0x600,%eax',
      'wrmsr',
      'wrmsr',
    ]);
  });

  test('kexec_stop_other_cpus sends REBOOT_VECTOR to all but self', () => {
    expect(code([], 'kexec_stop_other_cpus', 'relocate_kernel').slice(0, 4)).toEqual([
      'mov $0x830,%ecx',
      'xor %edx,%edx',
      'mov $0xc00f8,%eax',
      'wrmsr',
    ]);
  });

  test('the AP finds its CPU number with CPUID leaf 0xB and idles with sti; hlt', () => {
    const lines = code([], 'secondary_startup_64', 'reboot_interrupt');
    expect(lines.slice(5, 8)).toEqual(['mov $0xb,%eax', 'xor %ecx,%ecx', 'cpuid']);
    expect(lines.slice(-3)).toEqual(['sti', 'hlt', `jmp ${hex(sym('ap_idle')).slice(2)} <ap_idle>`]);
  });

  test('stop_this_cpu: offline, then the park path when the blob is installed, else cli; hlt', () => {
    expect(code([], 'stop_this_cpu', 'play_dead')).toEqual([
      'cli',
      'mov %rsp,%rax',
      'lea (%rip),%rdx # <ap_stacks>',
      'sub %rdx,%rax',
      'shr $0x8,%rax',
      'mov (%rip),%rdi # <online_flags>',
      'movb $0x0,(%rdi,%rax,1)',
      'cmpb $0x0,(%rip) # <sev_ap_jumptable_blob_installed>',
      `jne ${hex(sym('sev_jumptable_ap_park')).slice(2)} <sev_jumptable_ap_park>`,
      'cli',
      'hlt',
      `jmp ${hex(sym('ap_halt_forever')).slice(2)} <ap_halt_forever>`,
    ]);
  });

  test('x2apic_setup switches the local APIC to x2APIC mode and software-enables it', () => {
    expect(code([], 'x2apic_setup', 'idt_setup')).toEqual([
      'mov $0x1b,%ecx',
      'rdmsr',
      'or $0x400,%eax',
      'wrmsr',
      'mov $0x80f,%ecx',
      'xor %edx,%edx',
      'mov $0x1ff,%eax',
      'wrmsr',
      'ret',
    ]);
  });

  test('idt_setup installs interrupt gates for REBOOT_VECTOR 0xf8 and CPU_DEAD_VECTOR 0xf7', () => {
    expect(code([], 'idt_setup', 'gdt64_desc').slice(0, 10)).toEqual([
      'lea (%rip),%rax # <reboot_interrupt>',
      'lea (%rip),%rdi # <idt_table+0xf80>',
      `call ${hex(sym('set_intr_gate')).slice(2)} <set_intr_gate>`,
      'lea (%rip),%rax # <cpu_dead_interrupt>',
      'lea (%rip),%rdi # <idt_table+0xf70>',
      `call ${hex(sym('set_intr_gate')).slice(2)} <set_intr_gate>`,
      'ret',
      'mov %ax,(%rdi)',
      'movw $0x10,0x2(%rdi)',
      'movw $0x8e00,0x4(%rdi)',
    ]);
  });

  test('trampoline_pgd identity-maps 4 GiB with 2 MiB pages', () => {
    const q = (addr: number) =>
      new DataView(imageBytes(bytes, image, addr, 8).slice().buffer).getBigUint64(0, true);
    const pud = sym('trampoline_pud');
    const pmd = sym('trampoline_pmd');
    expect(q(sym('trampoline_pgd'))).toBe(BigInt(pud + 3));
    expect([0, 1, 2, 3, 4].map((i) => q(pud + i * 8))).toEqual(
      [pmd + 3, pmd + 0x1003, pmd + 0x2003, pmd + 0x3003, 0].map(BigInt),
    );
    expect([0, 1, 2047].map((i) => q(pmd + i * 8))).toEqual([0x83n, 0x200083n, 0xffe00083n]);
  });
});

describe('boot info helpers', () => {
  test('encodeBootInfo lays out the inputs and leaves outputs zero', () => {
    const b = encodeBootInfo({
      jumpTableGpa: 0x7f5ff000n,
      nrCpus: 4,
      sevEs: true,
      onlineFlagsGpa: 0x5000,
      kexecControlGpa: 0x7000,
      kexecPgdGpa: 0x10000,
    });
    expect(hexBytes(b)).toBe(
      [
        '00 f0 5f 7f 00 00 00 00',
        '04 00 00 00 01 00 00 00',
        '00 50 00 00 00 00 00 00',
        '00 00 00 00 00 00 00 00',
        '00 00 00 00 00 00 00 00',
        '00 00 00 00 00 00 00 00',
        '00 70 00 00 00 00 00 00',
        '00 00 01 00 00 00 00 00',
      ].join(' '),
    );
  });

  test('a report word splits into kernel id, event and CPU count', () => {
    expect(decodeReport(0x42010004)).toEqual({ kernelId: 'B', event: REPORT_EVENT.smpBooted, cpusOnline: 4 });
    expect(kernelSignature('A').toString(16)).toBe('414e524b');
  });
});
