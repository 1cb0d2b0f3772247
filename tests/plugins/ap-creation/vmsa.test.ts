import { describe, expect, test } from 'bun:test';
import { GHCB_FIELDS } from '../../../core/index.ts';
import {
  AP_INIT,
  apInitVmsa,
  decodeVmsa,
  encodeVmsa,
  INIT_ATTRIBS,
  VMSA_FIELDS,
  VMSA_SEGMENTS,
} from '../../../plugins/ap-creation/index.ts';

describe('struct sev_es_save_area layout', () => {
  // Offsets from arch/x86/include/asm/svm.h (BUILD_BUG_RESERVED_OFFSET anchors 0x1c0, 0x248, 0x298, 0x380, 0x3f0).
  test.each([
    ['efer', 0xd0],
    ['cr4', 0x148],
    ['cr3', 0x150],
    ['cr0', 0x158],
    ['rflags', 0x170],
    ['rip', 0x178],
    ['rsp', 0x1d8],
    ['rax', 0x1f8],
    ['cr2', 0x240],
    ['g_pat', 0x268],
    ['rcx', 0x308],
    ['r15', 0x378],
    ['sev_features', 0x3b0],
    ['xcr0', 0x3e8],
  ] as const)('%s is at %i', (name, offset) => {
    expect(VMSA_FIELDS[name].offset).toBe(offset);
  });

  test('segments are 16-byte vmcb_segs from es at 0 to tr at 0x90', () => {
    expect(Object.values(VMSA_SEGMENTS)).toEqual([0, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90]);
  });

  test('the register fields the GHCB save area shares sit at the same offsets as in the GHCB', () => {
    for (const f of [
      'cpl',
      'dr7',
      'rip',
      'rsp',
      'rax',
      'rcx',
      'rdx',
      'rbx',
      'rbp',
      'r8',
      'r15',
      'xcr0',
    ] as const)
      expect([f, VMSA_FIELDS[f].offset]).toEqual([f, GHCB_FIELDS[f].offset]);
  });

  test('encode then decode gives the same VMSA, and the bytes sit where svm.h puts them', () => {
    const v = apInitVmsa(0x9a000, 0x5n, 0xffn);
    const bytes = encodeVmsa(v);
    expect(decodeVmsa(bytes)).toEqual(v);
    const view = new DataView(bytes.buffer);
    expect(view.getUint16(0x10, true)).toBe(0x9a00); // cs.selector
    expect(view.getUint16(0x12, true)).toBe(0x9a); // cs.attrib
    expect(view.getBigUint64(0x18, true)).toBe(0x9a000n); // cs.base
    expect(view.getBigUint64(0x3b0, true)).toBe(5n); // sev_features
  });
});

describe('the VMSA wakeup_cpu_via_vmgexit builds', () => {
  const v = apInitVmsa(0x8000, 0n, 0x40n | 0x20n);

  test('CS:IP is the trampoline as a SIPI vector would give it: 0800:0000, base 0x8000', () => {
    expect(v.segments.cs).toEqual({ selector: 0x800, attrib: 0x9a, limit: 0xffff, base: 0x8000n });
    expect(v.fields.rip).toBe(0n);
  });

  test('the other registers hold the APM INIT values', () => {
    expect(v.segments.ds).toEqual({ selector: 0, attrib: INIT_ATTRIBS.DS, limit: 0xffff, base: 0n });
    expect(INIT_ATTRIBS).toEqual({ CS: 0x9a, DS: 0x92, LDTR: 0x82, TR: 0x83 });
    expect(v.fields.cr0).toBe(0x60000010n);
    expect(v.fields.dr7).toBe(0x400n);
    expect(v.fields.dr6).toBe(0xffff0ff0n);
    expect(v.fields.rflags).toBe(2n);
    expect(v.fields.g_pat).toBe(AP_INIT.GPAT_DEFAULT);
    expect(v.fields.xcr0).toBe(1n);
  });

  test('EFER has only SVME and CR4 keeps only MCE from the sender', () => {
    expect(v.fields.efer).toBe(0x1000n);
    expect(v.fields.cr4).toBe(0x40n);
  });
});
