import { describe, expect, test } from 'bun:test';
import { fileURLToPath } from 'node:url';
import { symbolValue } from '../../../plugins/kexec/elf.ts';
import { readTestKernel, TEST_KERNELS } from '../../../plugins/kexec/kernels.ts';
import { imageBytes } from '../kexec/image-bytes.ts';
import { listing, objdump } from './objdump.ts';
import { hexBytes } from './sparse-memory.ts';

const hex = (n: number) => `0x${n.toString(16)}`;

/** sev_ap_park.S is linked into both test kernels' trampolines; objdump of the linked image is the oracle. */
describe.each(['A', 'B'] as const)('sev_ap_park.S linked into kernel %s', (id) => {
  const { bytes, image } = readTestKernel(id);
  const elf = fileURLToPath(TEST_KERNELS[id]);
  const sym = (name: string) => symbolValue(image, name);
  const range = (mode: string[], from: string, to: string) =>
    listing(
      objdump(['-d', ...mode, `--start-address=${hex(sym(from))}`, `--stop-address=${hex(sym(to))}`, elf]),
      sym(from),
      sym(to),
    ).map((l) => l.replace(/^[0-9a-f]+: /, ''));

  test('the trampoline part lies below 1 MiB', () => {
    expect(sym('sev_ap_park_gdt_end')).toBeLessThanOrEqual(0x100000);
  });

  test('64-bit entry: cli, CR3 = trampoline_pgd, CR4.PCIDE clear, registers zeroed, ljmpl *m16:32', () => {
    const lines = range([], 'sev_jumptable_ap_park', 'sev_ap_park_asm');
    expect(lines.slice(0, 6)).toEqual([
      'fa | cli',
      `b8 ${hexBytes(Uint8Array.of(...u32(sym('trampoline_pgd'))))} | mov $${hex(sym('trampoline_pgd'))},%eax`,
      '0f 22 d8 | mov %rax,%cr3',
      '0f 20 e0 | mov %cr4,%rax',
      '48 0f ba f0 11 | btr $0x11,%rax',
      '0f 22 e0 | mov %rax,%cr4',
    ]);
    expect(lines.slice(6, 18).map((l) => l.split(' | ')[1])).toEqual(
      ['r15', 'r14', 'r13', 'r12', 'r11', 'r10', 'r9', 'r8', 'rsi', 'rdi', 'rsp', 'rbp'].map(
        (r) => `xor %${r},%${r}`,
      ),
    );
    expect(lines[18]).toMatch(
      new RegExp(`^ff 2d .* \\| ljmp \\*0x[0-9a-f]+\\(%rip\\) # ${sym('sev_ap_park_far_ptr').toString(16)} `),
    );
    expect(lines).toHaveLength(19);
  });

  test('the far pointer names sev_ap_park_asm in __KERNEL32_CS (a 32-bit offset, then the selector)', () => {
    expect(hexBytes(imageBytes(bytes, image, sym('sev_ap_park_far_ptr'), 6))).toBe(
      hexBytes(Uint8Array.of(...u32(sym('sev_ap_park_asm')), 0x08, 0x00)),
    );
  });

  test('32-bit part: trampoline GDT, paging off, CS reload, EFER = 0, CR3 = 0, IVT, park GDT, ljmpw $8,$0x10', () => {
    const lines = [
      ...range(['-m', 'i386'], 'sev_ap_park_asm', 'sev_ap_park_paging_off'),
      ...range(['-m', 'i386'], 'sev_ap_park_paging_off', 'sev_ap_park_far_ptr'),
    ].map((l) => l.split(' | ')[1]);
    expect(lines.slice(0, 16)).toEqual([
      'mov $0x18,%eax',
      'mov %eax,%ds',
      `lgdtl ${hex(sym('tr_gdt'))}`,
      'mov %cr0,%eax',
      'btr $0x1f,%eax',
      'mov %eax,%cr0',
      `ljmp $0x8,$${hex(sym('sev_ap_park_paging_off'))}`,
      'xor %eax,%eax',
      'xor %edx,%edx',
      'mov $0xc0000080,%ecx',
      'wrmsr',
      'xor %ecx,%ecx',
      'mov %ecx,%cr3',
      `lidtl ${hex(sym('sev_ap_park_real_mode_idt'))}`,
      `lgdtl ${hex(sym('sev_ap_park_gdt'))}`,
      'mov $0x10,%ax',
    ]);
    expect(lines.slice(16, 19)).toEqual(['mov %eax,%ds', 'mov %eax,%ss', 'ljmpw $0x8,$0x10']);
  });

  test('the real-mode IDT is base 0, limit 0x3ff and the park GDT starts empty with its own pseudo-descriptor', () => {
    expect(hexBytes(imageBytes(bytes, image, sym('sev_ap_park_real_mode_idt'), 6))).toBe('ff 03 00 00 00 00');
    expect(hexBytes(imageBytes(bytes, image, sym('sev_ap_park_gdt'), 24))).toBe(
      `17 00 ${hexBytes(Uint8Array.of(...u32(sym('sev_ap_park_gdt'))))} 00 00 ${'00 '.repeat(16).trim()}`,
    );
  });
});

function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}
