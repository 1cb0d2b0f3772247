// Expected codes from KVM (arch/x86/kvm/svm/sev.c: sev_es_validate_vmgexit, setup_vmgexit_scratch,
// sev_handle_vmgexit) and the GHCB specification (AMD 56421), written out here, not derived from the code.
import { describe, expect, test } from 'bun:test';
import type { MmioDevice } from '../../core/devices/mmio-device.ts';
import { Ghcb } from '../../core/sev/ghcb.ts';
import type { GhcbField } from '../../core/sev/ghcb-layout.ts';
import { type BareCpu, GHCB_BASE, protocolRig } from '../helpers/protocol-rig.ts';

type Fields = Partial<Record<GhcbField, bigint | number>>;

/** Writes a GHCB by hand (no kernel helper), points the MSR at it and exits. */
function rawExit(
  r: ReturnType<typeof protocolRig>,
  fields: Fields,
  opts: { usage?: number; vcpu?: number } = {},
) {
  const v = r.vcpus[opts.vcpu ?? 0]!;
  const gpa = GHCB_BASE + v.index * 4096;
  r.memory.setEncrypted(gpa, 4096, false);
  const g = new Ghcb(new Uint8Array(4096));
  for (const [k, val] of Object.entries(fields)) g.set(k as GhcbField, val as bigint);
  g.usage = opts.usage ?? 0;
  r.memory.write(gpa, g.bytes);
  v.cpu.ghcbMsr = BigInt(gpa);
  r.hv.vmgexit(v);
  const out = new Ghcb(r.memory.read(gpa, 4096));
  return { info1: out.get('sw_exit_info_1'), info2: out.get('sw_exit_info_2'), ghcb: out };
}

const exit = (code: number, info1: bigint | number = 0n, info2: bigint | number = 0n): Fields => ({
  sw_exit_code: BigInt(code),
  sw_exit_info_1: BigInt(info1),
  sw_exit_info_2: BigInt(info2),
});
const scratchIn = GHCB_BASE + 0x800;

describe('a malformed GHCB gets sw_exit_info_1 = 2 and a GHCB_ERR_* code; the VM keeps running', () => {
  test.each<[string, Fields, number, number?]>([
    ['ghcb_usage != 0', exit(0x72), 2, 1],
    ['sw_exit_code not valid', { sw_exit_info_1: 0n, sw_exit_info_2: 0n }, 4],
    ['sw_exit_info_1 not valid', { sw_exit_code: 0x72n, sw_exit_info_2: 0n }, 4],
    ['sw_exit_info_2 not valid', { sw_exit_code: 0x72n, sw_exit_info_1: 0n }, 4],
    ['CPUID without RCX', { ...exit(0x72), rax: 0n }, 4],
    ['CPUID leaf 0xD without XCR0', { ...exit(0x72), rax: 0xdn, rcx: 0n }, 4],
    ['WRMSR without RAX/RDX', { ...exit(0x7c, 1), rcx: 0x830n }, 4],
    ['RDMSR without RCX', exit(0x7c, 0), 4],
    ['MMIO read without sw_scratch', exit(0x80000001, 0xfed00000, 4), 4],
    ['IOIO OUT without RAX', exit(0x7b, 0x80 << 16), 4],
    ['string IOIO without sw_scratch', exit(0x7b, (0x80 << 16) | 0b100 | 0x10, 1), 4],
    ['VMMCALL without CPL', { ...exit(0x81), rax: 0n }, 4],
    ['an unknown exit code', exit(0x1234), 6],
    ['a 64-bit exit code', exit(0x1_8000_0001n as unknown as number), 6],
    ['an SNP-only event (AP creation) from an SEV-ES VM', exit(0x80000013), 6],
    ['page state change from an SEV-ES VM', exit(0x80000010), 6],
    ['AP jump table sub-function 2', exit(0x80000005, 2), 5],
    ['scratch GPA 0', { ...exit(0x80000002, 0xfed00000, 4), sw_scratch: 0n }, 3],
    [
      'scratch area wrapping around',
      { ...exit(0x80000002, 0xfed00000, 0x100), sw_scratch: 0xffff_ffff_ffff_ff80n },
      3,
    ],
    [
      'scratch inside the GHCB but below the shared buffer',
      { ...exit(0x80000002, 0xfed00000, 8), sw_scratch: BigInt(GHCB_BASE + 0x7f8) },
      3,
    ],
    [
      'scratch inside the GHCB running past 0xFF0',
      { ...exit(0x80000002, 0xfed00000, 8), sw_scratch: BigInt(GHCB_BASE + 0xfec) },
      3,
    ],
    [
      'scratch elsewhere longer than 64 KiB',
      { ...exit(0x80000002, 0xfed00000, 0x10001), sw_scratch: 0x20_0000n },
      3,
    ],
    ['scratch outside guest memory', { ...exit(0x80000002, 0xfed00000, 8), sw_scratch: 0x1_0000_0000n }, 3],
    [
      'string I/O whose count * size overflows',
      { ...exit(0x7b, (0x80 << 16) | 0b100 | 0x40, 0x4000_0000_0000_0000n), sw_scratch: BigInt(scratchIn) },
      3,
    ],
    [
      'string I/O with a huge repeat count',
      { ...exit(0x7b, (0x80 << 16) | 0b1100 | 0x10, 0x10_0000), sw_scratch: BigInt(scratchIn) },
      3,
    ],
  ])('%s -> GHCB_ERR %p', (_name, fields, code, usage = 0) => {
    const r = protocolRig();
    const out = rawExit(r, fields, { usage });
    expect(out.info1).toBe(2n);
    expect(out.info2).toBe(BigInt(code));
    expect(r.hv.terminated).toBeNull();
    expect(r.bsp.state).toBe('running');
    const result = r.events('vmgexit-result').at(-1)!;
    expect(result.result).toBe('malformed');
    expect(result.error).toStartWith(
      [
        '',
        'GHCB_ERR_NOT_REGISTERED',
        'GHCB_ERR_INVALID_USAGE',
        'GHCB_ERR_INVALID_SCRATCH_AREA',
        'GHCB_ERR_MISSING_INPUT',
        'GHCB_ERR_INVALID_INPUT',
        'GHCB_ERR_INVALID_EVENT',
      ][code]!,
    );
  });

  test('the guest valid bitmap is cleared by the hypervisor at entry', () => {
    const r = protocolRig();
    const out = rawExit(r, { ...exit(0x72), rax: 0n, rcx: 0n });
    // Only what the hypervisor wrote back is marked: RAX RBX RCX RDX and the two exit infos.
    const bits = [63, 97, 98, 99, 115, 116].reduce((a, b) => a | (1n << BigInt(b)), 0n);
    expect(out.ghcb.validBitmap()).toBe(bits);
  });
});

describe('the hypervisor works from its snapshot', () => {
  test('a second vCPU rewriting the GHCB mid-exit does not change what is handled', () => {
    const r = protocolRig();
    const accesses: string[] = [];
    const dev: MmioDevice = {
      name: 'racer',
      read: (off, size) => {
        accesses.push(`read ${off} ${size}`);
        // Another vCPU rewrites the page while the hypervisor handles the exit.
        const g = new Ghcb(r.memory.read(GHCB_BASE, 4096));
        g.set('sw_exit_info_1', 0xfed01000n);
        g.set('sw_exit_info_2', 8n);
        r.memory.write(GHCB_BASE, g.bytes);
        return 0x11223344n;
      },
      write: () => {},
    };
    r.memory.addMmio(0xfed00000, 0x2000, dev);
    const out = rawExit(r, { ...exit(0x80000001, 0xfed00000, 4), sw_scratch: BigInt(scratchIn) });
    expect(accesses).toEqual(['read 0 4']);
    expect(out.info1).toBe(0n);
    expect([...out.ghcb.bytes.subarray(0x800, 0x808)]).toEqual([0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0]);
  });
});

describe('termination in either form stops the VM with its reason', () => {
  test('MSR protocol 0x100 with set 1 code 2', () => {
    const r = protocolRig();
    r.bsp.cpu.ghcbMsr = 0x0002_1100n;
    r.hv.vmgexit(r.bsp);
    expect(r.hv.terminated).toMatchObject({
      set: 1,
      code: 2,
      reason: 'PVALIDATE failed',
      via: 'GHCB_MSR_TERM_REQ',
    });
    expect(r.vcpus.map((v) => v.state)).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
  });
  test('the NAE event 0x8000FFFE: SW_EXITINFO1[3:0] set, [11:4] code', () => {
    const r = protocolRig();
    rawExit(r, exit(0x8000fffe, (3 << 4) | 1));
    expect(r.hv.terminated).toMatchObject({ set: 1, code: 3, reason: 'not running at VMPL0' });
  });
  test.each([0x010, 0x012, 0x014])('an SNP-only MSR request 0x%s from an SEV-ES VM terminates it', (code) => {
    const r = protocolRig();
    r.bsp.cpu.ghcbMsr = BigInt(code);
    r.hv.vmgexit(r.bsp);
    expect(r.hv.terminated?.reason).toBe('SNP-only MSR protocol request from an SEV-ES guest');
  });
  test('an unknown MSR-protocol request leaves the MSR unchanged and the VM running', () => {
    const r = protocolRig();
    r.bsp.cpu.ghcbMsr = 0x0abcn;
    r.hv.vmgexit(r.bsp);
    expect(r.bsp.cpu.ghcbMsr).toBe(0x0abcn);
    expect(r.hv.terminated).toBeNull();
  });
  test('a GHCB GPA of 0 is not mappable: the guest resumes without a response', () => {
    const r = protocolRig();
    r.bsp.cpu.ghcbMsr = 0n;
    r.hv.vmgexit(r.bsp);
    expect(r.events('vmgexit')).toHaveLength(0);
    expect(r.events('log').at(-1)?.message).toContain('not mappable');
    expect(r.hv.terminated).toBeNull();
  });
});

describe('what the hypervisor can see', () => {
  test('private pages read as ciphertext that differs by address; the shared GHCB reads as plaintext', () => {
    const r = protocolRig();
    const secret = new TextEncoder().encode('the same sixteen'.repeat(4));
    r.memory.write(0x20_0000, secret);
    r.memory.write(0x30_0000, secret);
    const a = r.hv.memory.hvRead(0x20_0000, secret.length);
    const b = r.hv.memory.hvRead(0x30_0000, secret.length);
    expect(a).not.toEqual(secret);
    expect(b).not.toEqual(secret);
    expect(a).not.toEqual(b);
    r.kernel.negotiate(r.bsp);
    r.kernel.getApJumpTable(r.bsp);
    const ghcb = r.kernel.ghcbGpa(r.bsp);
    expect(r.hv.memory.hvRead(ghcb, 4096)).toEqual(r.memory.read(ghcb, 4096));
  });
  test('the host memory view has no plaintext path into RAM', () => {
    const r = protocolRig();
    expect(Object.keys(r.hv.memory).sort()).toEqual([
      'deviceRead',
      'deviceWrite',
      'hvRead',
      'hvWrite',
      'mmioAt',
      'sharedPage',
      'size',
    ]);
    expect(() => r.hv.memory.deviceRead(0x20_0000, 8)).toThrow('not inside one MMIO range');
    // Only shared pages are reachable in place; a private page is not.
    r.memory.write(0x20_0000, new Uint8Array([1, 2, 3]));
    expect(r.hv.memory.sharedPage(0x20_0000)).toBeUndefined();
    r.memory.setEncrypted(0x20_0000, 4096, false);
    expect(r.hv.memory.sharedPage(0x20_0000)?.subarray(0, 3)).toEqual(new Uint8Array([1, 2, 3]));
  });
  test('INIT to an SEV-ES vCPU never resets its registers; on a plain VM it does', () => {
    const es = protocolRig();
    es.hv.init(es.bsp, es.vcpus[1]!);
    expect((es.vcpus[1]!.cpu as BareCpu).resets).toBe(0);
    const plain = protocolRig({ sev: 'none' });
    plain.hv.init(plain.bsp, plain.vcpus[1]!);
    expect((plain.vcpus[1]!.cpu as BareCpu).resets).toBe(1);
  });
});

describe('exits with required inputs (KVM sev_es_validate_vmgexit) -> GHCB_ERR_MISSING_INPUT (4)', () => {
  test.each<[string, Fields, string]>([
    ['DR7 write without RAX', exit(0x37), 'SVM_EXIT_WRITE_DR7 needs rax'],
    ['RDPMC without RCX', exit(0x6f), 'SVM_EXIT_RDPMC needs rcx'],
    ['MONITOR without RAX, RCX, RDX', exit(0x8a), 'SVM_EXIT_MONITOR needs rax, rcx, rdx'],
    ['MONITOR with only RAX', { ...exit(0x8a), rax: 0n }, 'SVM_EXIT_MONITOR needs rcx, rdx'],
    ['MONITOR without RDX', { ...exit(0x8a), rax: 0n, rcx: 0n }, 'SVM_EXIT_MONITOR needs rdx'],
    ['MWAIT without RAX, RCX', exit(0x8b), 'SVM_EXIT_MWAIT needs rax, rcx'],
    ['MWAIT without RCX', { ...exit(0x8b), rax: 0n }, 'SVM_EXIT_MWAIT needs rcx'],
  ])('%s', (_name, fields, why) => {
    const r = protocolRig();
    const out = rawExit(r, fields);
    expect([out.info1, out.info2]).toEqual([2n, 4n]);
    expect(r.events('vmgexit-result').at(-1)).toMatchObject({
      result: 'malformed',
      error: `GHCB_ERR_MISSING_INPUT (${why})`,
    });
    expect(r.hv.terminated).toBeNull();
  });

  test.each<[string, Fields]>([
    ['DR7 write with RAX', { ...exit(0x37), rax: 0x400n }],
    ['RDPMC with RCX', { ...exit(0x6f), rcx: 0n }],
    ['MONITOR with RAX, RCX, RDX', { ...exit(0x8a), rax: 0n, rcx: 0n, rdx: 0n }],
    ['MWAIT with RAX, RCX', { ...exit(0x8b), rax: 0n, rcx: 0n }],
  ])('%s is handled: sw_exit_info_1 = 0', (_name, fields) => {
    const r = protocolRig();
    expect(rawExit(r, fields).info1).toBe(0n);
    expect(r.events('vmgexit-result').at(-1)?.result).toBe('ok');
  });
});
