/**
 * The #VC handler for MMIO (plugins/mmio/npf-vc.ts) on real instruction bytes in a running SEV-ES
 * guest: write-back rules, MOVS retries and nested #VCs, CLFLUSH, and the guard rails against a
 * hostile hypervisor and against user mode.
 */
import { describe, expect, test } from 'bun:test';
import {
  type ExitRow,
  encodeEventInjection,
  type LoggedEvent,
  type Machine,
  SVM_EVTINJ_TYPE_EXEPT,
  SVM_EXIT,
  SVM_VMGEXIT,
  X86_TRAP_GP,
} from '../../../core/index.ts';
import { mmioPlugin } from '../../../plugins/mmio/index.ts';
import { assembleGuest, guestMachine, runTo } from './guest/guest.ts';

const REGFILE = 0x0800_0000;
const events = <K extends LoggedEvent['kind']>(m: Machine, kind: K) =>
  m.log.events.filter((e) => e.kind === kind) as Extract<LoggedEvent, { kind: K }>[];
const vcResults = (m: Machine) => events(m, 'vc-result').map((e) => e.result);
const reg = (m: Machine, name: string) => m.vcpu(0).cpu.getReg(name);

function withPlugin(body: string, config: Parameters<typeof guestMachine>[1] = {}) {
  const guest = assembleGuest(body);
  const m = guestMachine(guest, { sev: 'es', ...config });
  m.plugins.use(mmioPlugin);
  return { guest, m };
}

describe('register write-back follows the architecture', () => {
  test('MOVZX and MOVSX into 32-bit registers clear bits 63:32; MOVSX into 16 bits keeps 63:16', () => {
    const { m } = withPlugin(`
	movl	$regfile, %ebx
	movw	$0x80f1, (%rbx)
	movq	$-1, %rax
	movq	$-1, %rcx
	movq	$-1, %rdx
	movzbl	(%rbx), %eax
	movswl	(%rbx), %ecx
	movsbw	(%rbx), %dx
	hlt`);
    expect(m.run().kind).toBe('idle');
    expect([reg(m, 'rax'), reg(m, 'rcx'), reg(m, 'rdx')]).toEqual([
      0xf1n,
      0xffff_80f1n,
      0xffff_ffff_ffff_fff1n,
    ]);
  });

  test('MOV m64, imm32 (REX.W C7) stores the immediate sign-extended', () => {
    const { m } = withPlugin(`
	movl	$regfile, %ebx
	movq	$-0x10, 8(%rbx)
	hlt`);
    m.run();
    expect(m.devices.regfile!.bytes.slice(8, 16)).toEqual(
      Uint8Array.of(0xf0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
    );
  });

  test('AH without REX is bits 15:8 of RAX; with REX, byte register 4 is SPL', () => {
    const { m } = withPlugin(`
	movl	$regfile, %ebx
	movb	$0x5a, (%rbx)
	movq	$0x1111111111111111, %rax
	movb	(%rbx), %ah
	movq	%rsp, %r8
	movb	(%rbx), %spl
	movq	%rsp, %r9
	movq	%r8, %rsp
	hlt`);
    m.run();
    expect(reg(m, 'rax')).toBe(0x1111_1111_1111_5a11n);
    expect(reg(m, 'r9')).toBe((reg(m, 'r8') & ~0xffn) | 0x5an);
  });
});

describe('MOVS through the bounce buffer', () => {
  test('REP MOVSB from MMIO to RAM: one #VC per element, ES_RETRY until RCX is 0, a nested #VC each', () => {
    const { guest, m } = withPlugin(`
	movl	$regfile, %esi
	leaq	buf(%rip), %rdi
	movl	$3, %ecx
	rep movsb
	hlt
	.data
buf:	.quad	0`);
    m.devices.regfile!.bytes.set([0x11, 0x22, 0x33]);
    m.run();
    expect(vcResults(m)).toEqual(['ES_RETRY', 'ES_RETRY', 'ES_OK']);
    expect(events(m, 'log').filter((e) => e.message.startsWith('nested #VC')).length).toBe(3);
    expect([reg(m, 'rcx'), reg(m, 'rsi'), reg(m, 'rdi')]).toEqual([
      0n,
      BigInt(REGFILE + 3),
      BigInt(guest.sym('buf') + 3),
    ]);
    expect(m.memory.read(guest.sym('buf'), 4)).toEqual(Uint8Array.of(0x11, 0x22, 0x33, 0));
    expect(m.devices.regfile!.log.map((a) => [a.op, a.offset, a.size])).toEqual([
      ['read', 0, 1],
      ['read', 1, 1],
      ['read', 2, 1],
    ]);
  });
});

describe('CLFLUSH', () => {
  test('0F AE /7 on MMIO is skipped: RIP advances, nothing reaches the hypervisor', () => {
    const { m } = withPlugin(`
	movl	$regfile, %ebx
	clflush	(%rbx)
	hlt`);
    expect(m.run().kind).toBe('idle');
    expect(vcResults(m)).toEqual(['ES_OK']);
    expect(events(m, 'vmgexit').filter((e) => e.name.startsWith('SVM_VMGEXIT_MMIO'))).toEqual([]);
    expect(m.devices.regfile!.log).toEqual([]);
  });
});

describe('guard rails', () => {
  test('an NPF #VC injected on an instruction that is not MMIO-capable is refused (decode failure)', () => {
    const { guest, m } = withPlugin(`
	movl	$regfile, %ebx
target:	addl	%eax, (%rbx)
	hlt`);
    runTo(m, guest, 'target');
    const r = m.kernel.handleVc(m.vcpu(0), SVM_EXIT.NPF);
    expect(r.result).toBe('ES_DECODE_FAILED');
    expect(m.terminated).toBe(true);
    expect(m.devices.regfile!.log).toEqual([]);
  });

  test('an NPF #VC injected on a MOV to private memory is answered with #GP(0), nothing leaves the guest', () => {
    const { guest, m } = withPlugin(`
	leaq	secret(%rip), %rbx
target:	movq	(%rbx), %rax
	hlt
	.data
secret:	.quad	0x5ec7e75ec7e75ec7`);
    runTo(m, guest, 'target');
    const r = m.kernel.handleVc(m.vcpu(0), SVM_EXIT.NPF);
    expect(r).toEqual({ result: 'ES_EXCEPTION', fault: { vector: X86_TRAP_GP, errorCode: 0 } });
    expect(events(m, 'vmgexit').filter((e) => e.name.startsWith('SVM_VMGEXIT_MMIO'))).toEqual([]);
  });

  test('a failed page walk is a #PF for the guest, with the W bit for a write and CR2 = the address', () => {
    const { guest, m } = withPlugin(`
	movabsq	$0x100000000, %rbx
target:	movl	%eax, 0x10(%rbx)
	movl	0x10(%rbx), %eax
	hlt`);
    runTo(m, guest, 'target');
    expect(m.kernel.handleVc(m.vcpu(0), SVM_EXIT.NPF)).toEqual({
      result: 'ES_EXCEPTION',
      fault: { vector: 14, errorCode: 2, cr2: 0x1_0000_0010n },
    });
    m.vcpu(0).cpu.setReg('rip', reg(m, 'rip') + 3n);
    expect(m.kernel.handleVc(m.vcpu(0), SVM_EXIT.NPF)).toEqual({
      result: 'ES_EXCEPTION',
      fault: { vector: 14, errorCode: 0, cr2: 0x1_0000_0010n },
    });
  });

  test('MMIO from user mode is refused', () => {
    const { guest, m } = withPlugin(`
target:	movl	%eax, regfile
	hlt`);
    runTo(m, guest, 'target');
    // The interpreter runs ring 0 only, so the test puts the interrupted context in ring 3 itself.
    m.vcpu(0).cpu.cpl = 3;
    expect(m.kernel.handleVc(m.vcpu(0), SVM_EXIT.NPF)).toEqual({
      result: 'ES_UNSUPPORTED',
      why: 'MMIO emulation from user mode is refused',
    });
    expect(m.devices.regfile!.log).toEqual([]);
  });

  test('a read answer longer than asked, or stale, counts only the asked bytes', () => {
    const { m } = withPlugin(`
	movl	$regfile, %ebx
	movq	$0x1122334455667788, %rax
	movq	$0xaaaaaaaaaaaaaaaa, %rcx
	movb	(%rbx), %al
	movw	2(%rbx), %cx
	hlt`);
    // A hostile MMIO read: fills 16 bytes of the scratch area with 0xEE, whatever the length.
    const hostileRead: ExitRow = {
      exitCode: SVM_VMGEXIT.MMIO_READ,
      name: 'hostile MMIO read',
      requires: () => ['sw_scratch'],
      scratchLength: () => 16n,
      handle: (ctx) => {
        ctx.writeScratch(new Uint8Array(16).fill(0xee));
        return { kind: 'resume' };
      },
    };
    m.plugins.use({ name: 'hostile', setup: (api) => api.onVmgexit(hostileRead, { override: true }) });
    m.run();
    expect(reg(m, 'rax')).toBe(0x1122_3344_5566_77een);
    expect(reg(m, 'rcx')).toBe(0xaaaa_aaaa_aaaa_eeeen);
  });

  test('an exception request from the hypervisor for an MMIO read reaches the guest as ES_EXCEPTION', () => {
    const gp = encodeEventInjection({
      vector: X86_TRAP_GP,
      type: SVM_EVTINJ_TYPE_EXEPT >> 8,
      errorCodeValid: true,
      valid: true,
      errorCode: 0,
    });
    const { m } = withPlugin(
      `
	movl	regfile, %eax
	hlt`,
      {
        hypervisor: { hostile: { injectException: { exitCode: SVM_VMGEXIT.MMIO_READ, eventInjection: gp } } },
      },
    );
    m.run();
    expect(vcResults(m)[0]).toBe('ES_EXCEPTION');
  });
});
