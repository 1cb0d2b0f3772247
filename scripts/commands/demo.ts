import { CPUID_REG, formatEvent, Machine, machineConfig } from '../../core/index.ts';
import { type Command, UsageError } from './types.ts';

/** A short built-in tour: firmware boot with GHCB protocol negotiation on a 4-vCPU SEV-ES machine. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'negotiate the GHCB protocol on a 4-vCPU SEV-ES machine and print the event log',
  usage: [
    'Usage: sevlab demo [--protocol MIN..MAX]',
    '',
    'Builds a 4-vCPU SEV-ES machine, lets firmware negotiate the GHCB protocol and register the AP jump',
    'table, has the kernel read the jump table address and do an early CPUID through the MSR protocol,',
    'then prints the event log. --protocol sets the range the hypervisor supports (default 1..2);',
    'try 3..4 to watch the guest refuse and terminate.',
  ].join('\n'),
  run(argv) {
    let min = 1;
    let max = 2;
    const i = argv.indexOf('--protocol');
    const extra = argv.filter((_a, k) => i < 0 || (k !== i && k !== i + 1));
    if (extra.length > 0)
      throw new UsageError(`unknown argument '${extra[0]}'; the only option is --protocol MIN..MAX`);
    if (i >= 0) {
      const m = /^(\d+)\.\.(\d+)$/.exec(argv[i + 1] ?? '');
      if (!m) throw new UsageError('--protocol takes MIN..MAX, for example --protocol 1..1');
      min = Number(m[1]);
      max = Number(m[2]);
    }
    const machine = new Machine(
      machineConfig({ vcpus: 4, sev: 'es', hypervisor: { protocolMin: min, protocolMax: max } }),
    );
    machine.log.subscribe((e) => console.log(formatEvent(e)));
    if (machine.boot()) {
      const bsp = machine.vcpu(0);
      const jt = machine.kernel.getApJumpTable(bsp);
      machine.kernel.print(bsp, jt.ok ? `AP jump table at 0x${jt.gpa.toString(16)}` : jt.why);
      const ebx = machine.kernel.cpuidMsr(bsp, 0x8000001f, CPUID_REG.EBX);
      if (ebx !== null)
        machine.kernel.print(
          bsp,
          `CPUID 0x8000001f EBX = 0x${ebx.toString(16)}: C-bit at position ${ebx & 0x3f}`,
        );
    }
    const t = machine.hv.terminated;
    console.log(
      t
        ? `\nVM terminated: ${t.reason} (set ${t.set}, code ${t.code})`
        : `\nGHCB protocol version ${machine.kernel.negotiated?.version} in use.`,
    );
    return 0;
  },
};
