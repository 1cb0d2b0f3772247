import { describe, expect, test } from 'bun:test';
import { fails, newSession, ok } from '../helpers.ts';

const cpuidLine = (r: { eax: number; ebx: number; ecx: number; edx: number }) =>
  `rax=0x${(r.eax >>> 0).toString(16)} rbx=0x${(r.ebx >>> 0).toString(16)} rcx=0x${(r.ecx >>> 0).toString(16)} rdx=0x${(r.edx >>> 0).toString(16)}`;

describe('the MSR protocol', () => {
  test('sev-info reports the hypervisor range and C-bit', async () => {
    expect(await ok(newSession(), 'msr-proto sev-info')).toBe(
      'GHCB_MSR_SEV_INFO_REQ (0x2)\n-> GHCB_MSR_SEV_INFO_RESP max=2 min=1 cbit=51 (0x2000133000001)',
    );
    const narrow = newSession({ hypervisor: { protocolMin: 1, protocolMax: 1, cbit: 47 } });
    expect(await ok(narrow, 'msr-proto sev-info')).toBe(
      'GHCB_MSR_SEV_INFO_REQ (0x2)\n-> GHCB_MSR_SEV_INFO_RESP max=1 min=1 cbit=47 (0x100012f000001)',
    );
  });

  test('cpuid through the MSR protocol answers what the hypervisor model computes', async () => {
    const s = newSession();
    const ebx = s.machine.hv.cpuid(s.machine.vcpu(0), 0x8000001f, 0).ebx >>> 0;
    expect(await ok(s, 'msr-proto cpuid 0x8000001f ebx')).toBe(
      `GHCB_MSR_CPUID_REQ fn=0x8000001f ebx (0x8000001f40000004)\n-> GHCB_MSR_CPUID_RESP value=0x${ebx.toString(16)} (0x${ebx.toString(16)}00000005)`,
    );
  });

  test('wrmsr of the GHCB MSR, a bare vmgexit, then rdmsr: the exchange by hand', async () => {
    const s = newSession();
    expect(await ok(s, 'wrmsr 0xc0010130 0x80')).toBe('0xc0010130 <- 0x80 (GHCB_MSR_HV_FT_REQ)');
    expect(await ok(s, 'vmgexit')).toBe(
      'VMGEXIT with GHCB_MSR_HV_FT_REQ\nGHCB MSR now 0x81: GHCB_MSR_HV_FT_RESP features=0x0',
    );
    expect(await ok(s, 'rdmsr 0xc0010130')).toBe('0xc0010130 = 0x81 (GHCB_MSR_HV_FT_RESP features=0x0)');
    const last = s.machine.log.events.slice(-2).map((e) => e.kind);
    expect(last).toEqual(['msr-proto', 'msr-proto-result']);
  });

  test('terminate stops the VM; later exits are refused and change nothing', async () => {
    const s = newSession();
    expect(await ok(s, 'msr-proto terminate 0 1')).toBe(
      'GHCB_MSR_TERM_REQ set=0 code=1 (GHCB protocol version unsupported) (0x10100)\nVM terminated: GHCB protocol version unsupported (set 0, code 1)',
    );
    expect(await fails(s, 'vmgexit cpuid 1')).toBe(
      'the VM is terminated (GHCB protocol version unsupported); restore a snapshot first; example: vmgexit cpuid 0x8000001f',
    );
  });
});

describe('full GHCB exits', () => {
  test('vmgexit cpuid builds the page like vc_handle_cpuid and prints the registers', async () => {
    const s = newSession();
    const r = s.machine.hv.cpuid(s.machine.vcpu(0), 0x8000001f, 0);
    expect(await ok(s, 'vmgexit cpuid 0x8000001f')).toBe(
      `SVM_EXIT_CPUID on cpu0: ES_OK\nok (sw_exit_info_1=0x0 sw_exit_info_2=0x0)\n${cpuidLine(r)}`,
    );
    const [exit, result] = s.machine.log.events.slice(-2);
    expect(exit).toMatchObject({
      kind: 'vmgexit',
      name: 'SVM_EXIT_CPUID',
      exitCode: '0x72',
      exitInfo1: '0x0',
    });
    expect(result).toMatchObject({ kind: 'vmgexit-result', name: 'SVM_EXIT_CPUID', result: 'ok' });
  });

  test('ap-jump-table get returns what firmware registered; set changes it', async () => {
    const s = newSession();
    expect(await ok(s, 'vmgexit ap-jump-table get')).toBe(
      'SVM_VMGEXIT_AP_JUMP_TABLE on cpu0: ES_OK\nok (sw_exit_info_1=0x0 sw_exit_info_2=0xff00000)\njump table GPA 0xff00000',
    );
    await ok(s, 'vmgexit ap-jump-table set 0x9000');
    expect(s.machine.hv.apJumpTable).toBe(0x9000);
    expect((await ok(s, 'vmgexit ap-jump-table get')).split('\n')[2]).toBe('jump table GPA 0x9000');
  });

  test('mmio-read and mmio-write reach the device through the shared buffer', async () => {
    const s = newSession();
    const writes: Array<[number, number, bigint]> = [];
    s.machine.memory.addMmio(0xfe00000, 0x1000, {
      name: 'probe',
      read: (off, size) => (off === 8 && size === 4 ? 0xcafef00dn : 0n),
      write: (off, size, v) => {
        writes.push([off, size, v]);
      },
    });
    expect(await ok(s, 'vmgexit mmio-read 0xfe00008 4')).toBe(
      'SVM_VMGEXIT_MMIO_READ on cpu0: ES_OK\nok (sw_exit_info_1=0x0 sw_exit_info_2=0x0)\ndata: 0d f0 fe ca  (value 0xcafef00d)',
    );
    await ok(s, 'vmgexit mmio-write 0xfe00010 01020304');
    expect(writes).toEqual([[0x10, 4, 0x04030201n]]);
  });

  test('a staged ghcb edit is sent instead of the kernel page, once', async () => {
    const s = newSession();
    expect(await ok(s, 'ghcb usage = 1')).toBe("staged usage = 0x1 for cpu0's next exit");
    expect((await ok(s, 'ghcb')).split('\n').at(-1)).toBe('staged: usage=1');
    expect(await ok(s, 'vmgexit cpuid 1')).toBe(
      'SVM_EXIT_CPUID on cpu0 (hand-edited page)\nmalformed input: GHCB_ERR_INVALID_USAGE (sw_exit_info_1=0x2 sw_exit_info_2=0x2)',
    );
    expect(s.staged).toBeNull();
    expect((await ok(s, 'vmgexit cpuid 1')).split('\n')[0]).toBe('SVM_EXIT_CPUID on cpu0: ES_OK');
  });

  test('ghcb exit sends exactly the staged fields: a missing input is GHCB_ERR_MISSING_INPUT', async () => {
    const s = newSession();
    await ok(s, 'ghcb sw_exit_code = 0x72');
    expect(await ok(s, 'ghcb exit')).toBe(
      'SVM_EXIT_CPUID on cpu0 (hand-edited page)\nmalformed input: GHCB_ERR_MISSING_INPUT (sw_exit_info_1=0x2 sw_exit_info_2=0x4)',
    );
    expect(await fails(s, 'ghcb exit')).toBe(
      'nothing is staged for this vCPU; example: ghcb sw_exit_code = 0x72',
    );
  });

  test('an SNP-only event is refused by the SEV-ES hypervisor', async () => {
    expect((await ok(newSession(), 'vmgexit psc')).split('\n')[1]).toBe(
      'malformed input: GHCB_ERR_INVALID_EVENT (sw_exit_info_1=0x2 sw_exit_info_2=0x6)',
    );
  });

  test('a machine without SEV-ES has no GHCB', async () => {
    const s = newSession({ sev: 'none' });
    expect(await fails(s, 'vmgexit cpuid 1')).toBe(
      'this machine is not SEV-ES (--sev none): there is no GHCB; example: vmgexit cpuid 0x8000001f',
    );
  });
});

describe('inject-vc', () => {
  test('a #VC injected on an instruction that did not cause it is refused by the opcode check', async () => {
    const s = newSession();
    await ok(s, 'wx 01 d8 f4 @ 0x7c00'); // add eax, ebx; hlt
    await ok(s, 'set $cs = 0');
    await ok(s, 'set $rip = 0x7c00');
    expect((await ok(s, 'inject-vc 0 0x72')).split('\n')[0]).toBe(
      '#VC SVM_EXIT_CPUID injected into cpu0: ES_UNSUPPORTED (Wrong/unhandled opcode bytes: 0x1, exit_code: 0x72, rIP: 0x7c00)',
    );
    expect(s.machine.terminated).toBe(true);
  });
  test('on a real CPUID it is emulated like a genuine exit', async () => {
    const s = newSession();
    await ok(s, 'wx 0f a2 f4 @ 0x7c00');
    await ok(s, 'set $cs = 0');
    await ok(s, 'set $rip = 0x7c00');
    await ok(s, 'set $rax = 0');
    expect((await ok(s, 'inject-vc 0 0x72')).split('\n')[0]).toBe(
      '#VC SVM_EXIT_CPUID injected into cpu0: ES_OK',
    );
    expect(s.machine.vcpu(0).cpu.getReg('rbx')).toBe(0x68747541n);
  });
  test('a bad vCPU is one line with an example', async () => {
    expect(await fails(newSession(), 'inject-vc 9 0x72')).toBe(
      'there is no vCPU 9: this machine has vCPUs 0 to 3; example: inject-vc 0 0x72',
    );
  });
});

describe('inject-irq', () => {
  test('records the injection and queues the vector', async () => {
    const s = newSession();
    expect((await ok(s, 'inject-irq 0 0x21')).split('\n')[0]).toBe('interrupt 0x21 injected into cpu0');
    expect(s.machine.log.events.at(-1)).toMatchObject({
      kind: 'log',
      source: 'kvm',
      message: 'hostile: injecting interrupt vector 0x21 (no restricted injection under SEV-ES)',
    });
  });
  test('a vector above 0xff is one line with an example', async () => {
    expect(await fails(newSession(), 'inject-irq 0 0x100')).toBe(
      'VECTOR 256 is not 0..0xff; example: inject-irq 0 0x21',
    );
  });
});
