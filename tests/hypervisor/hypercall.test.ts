// KVM kvm_emulate_hypercall answers an unknown hypercall with -KVM_ENOSYS (-1000) in RAX.
import { describe, expect, test } from 'bun:test';
import { Machine, machineConfig } from '../../core/index.ts';

function run(sev: 'none' | 'es', code: number[]) {
  const m = new Machine(machineConfig({ vcpus: 1, sev, memory: 64 * 2 ** 20 }));
  m.boot();
  m.memory.write(0x7c00, Uint8Array.from(code));
  const cpu = m.vcpu(0).cpu;
  cpu.setReg('cs', 0n);
  cpu.setReg('rip', 0x7c00n);
  cpu.setReg('rax', 7n);
  m.run({ maxInstructions: 100 });
  return { m, rax: cpu.getReg('rax'), rip: cpu.getReg('rip') };
}

const ENOSYS = BigInt.asUintN(64, -1000n);

describe('hypercalls', () => {
  test('VMMCALL in a plain VM exits to the hypervisor, which answers -KVM_ENOSYS', () => {
    // vmmcall; hlt
    const r = run('none', [0x0f, 0x01, 0xd9, 0xf4]);
    expect(r.rax).toBe(ENOSYS);
    expect(r.rip).toBe(0x7c04n);
  });
  test('F3 0F 01 D9 outside SEV-ES is VMMCALL too', () => {
    // rep vmmcall; hlt
    expect(run('none', [0xf3, 0x0f, 0x01, 0xd9, 0xf4]).rax).toBe(ENOSYS);
  });
  test('under SEV-ES the same answer comes through #VC and the GHCB (SVM_EXIT_VMMCALL)', () => {
    const r = run('es', [0x0f, 0x01, 0xd9, 0xf4]);
    expect(r.rax).toBe(ENOSYS);
    expect(r.m.log.events.some((e) => e.kind === 'vmgexit' && e.name === 'SVM_EXIT_VMMCALL')).toBe(true);
  });
});
