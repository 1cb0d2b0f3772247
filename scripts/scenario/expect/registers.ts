/** `expect: {reg: {vcpu: 0, rax: 0x1234}}`: register values by name. */
import { registerMap } from '../steps/regs.ts';
import { expectation, hex64 } from './expectation.ts';

export const regExpectation = expectation({
  key: 'reg',
  summary: 'Register values of one vCPU',
  schema: registerMap,
  check(v, machine) {
    const cpu = machine.vcpu(v.vcpu).cpu;
    const wrong = v.regs.filter(([name, want]) => cpu.getReg(name) !== BigInt.asUintN(64, want));
    if (!wrong.length) return null;
    return {
      expected: wrong.map(([n, w]) => `cpu${v.vcpu} ${n} = ${hex64(w)}`).join(', '),
      actual: wrong.map(([n]) => `${n} = ${hex64(cpu.getReg(n))}`).join(', '),
    };
  },
});
