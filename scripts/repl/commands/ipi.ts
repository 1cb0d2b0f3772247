import { CommandError, exitCodeName } from '../../../core/index.ts';
import { arg } from '../grammar.ts';
import { type CommandRow, row } from '../row.ts';
import { whereLine } from '../run.ts';
import type { Session } from '../session.ts';

type IpiType = 'INIT' | 'SIPI' | 'NMI';

/** An IPI from the selected vCPU's local APIC (an ICR write), and where the target is afterwards. */
function send(s: Session, to: number, type: IpiType, example: string, vector?: number): string {
  s.checkVcpu(to, example);
  if (s.machine.terminated) throw new CommandError(`the VM is terminated; example: ${example}`);
  const before = s.machine.log.length;
  s.machine.sendIpi(s.selected, { to, type, ...(vector !== undefined ? { vector } : {}) });
  const note = s.machine.log.events.slice(before).find((e) => e.kind === 'ipi')?.note;
  return `${type} cpu${s.selected} -> cpu${to}${note ? `: ${note}` : ''}\n${whereLine(s, to)}`;
}

export const ipiRows: readonly CommandRow[] = [
  row({
    name: 'init',
    group: 'protocol',
    args: [arg.number('N')],
    summary: 'send INIT to vCPU N (under SEV-ES the registers cannot be reset)',
    example: 'init 1',
    run: (a, s) => send(s, a.int('N'), 'INIT', 'init 1'),
  }),
  row({
    name: 'sipi',
    group: 'protocol',
    args: [arg.number('N'), arg.value('VECTOR')],
    summary: 'send a startup IPI to vCPU N (after INIT): starts it, or releases an AP reset hold',
    example: 'sipi 1 0x9f',
    run: (a, s) => {
      const vector = a.bigint('VECTOR');
      if (vector > 0xffn) throw new CommandError(`VECTOR ${vector} is not 0..0xff; example: sipi 1 0x9f`);
      return send(s, a.int('N'), 'SIPI', 'sipi 1 0x9f', Number(vector));
    },
  }),
  row({
    name: 'nmi',
    group: 'protocol',
    args: [arg.number('N')],
    summary: 'send an NMI to vCPU N',
    example: 'nmi 0',
    run: (a, s) => send(s, a.int('N'), 'NMI', 'nmi 0'),
  }),
  row({
    name: 'inject-vc',
    group: 'protocol',
    args: [arg.number('N'), arg.value('EXIT_CODE')],
    summary: 'hostile: inject a #VC with this exit code into vCPU N, whatever its instruction at RIP',
    example: 'inject-vc 0 0x72',
    run: (a, s) => {
      const example = 'inject-vc 0 0x72';
      const n = a.int('N');
      s.checkVcpu(n, example);
      if (s.machine.terminated) throw new CommandError(`the VM is terminated; example: ${example}`);
      const code = a.bigint('EXIT_CODE');
      if (code > 0xffffffffn)
        throw new CommandError(`EXIT_CODE ${code} is wider than 32 bits; example: ${example}`);
      const r = s.machine.injectVc(n, Number(code));
      return `#VC ${exitCodeName(Number(code))} injected into cpu${n}: ${r.result}${'why' in r ? ` (${r.why})` : ''}\n${whereLine(s, n)}`;
    },
  }),
  row({
    name: 'inject-irq',
    group: 'protocol',
    args: [arg.number('N'), arg.value('VECTOR')],
    summary: 'hostile: inject an arbitrary interrupt vector into vCPU N (recorded in the log)',
    example: 'inject-irq 0 0x21',
    run: (a, s) => {
      const example = 'inject-irq 0 0x21';
      const n = a.int('N');
      s.checkVcpu(n, example);
      const vector = a.bigint('VECTOR');
      if (vector > 0xffn) throw new CommandError(`VECTOR ${vector} is not 0..0xff; example: ${example}`);
      s.machine.injectInterrupt(n, Number(vector));
      return `interrupt 0x${vector.toString(16)} injected into cpu${n}\n${whereLine(s, n)}`;
    },
  }),
];
