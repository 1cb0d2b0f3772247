/**
 * The REPL command `ap-create`: start, stop or inspect APs through the AP Creation event, from the
 * guest's side (the kernel's helpers) or as a raw request for hostile cases.
 */
import { CommandError, hex, type Machine, type PluginCommand } from '../../core/index.ts';
import type { ApCreationGuest } from './guest.ts';
import type { ApCreationHost } from './hypervisor.ts';
import { parseBounded, parseInteger } from './numbers.ts';
import { describeOutcome } from './outcome.ts';
import { apRequestName, GHCB_HV_FT_SNP_AP_CREATION, SVM_VMGEXIT_AP_CREATION } from './protocol.ts';

const USAGE = [
  'ap-create create APIC_ID START_IP [FROM]    start an AP now from a new VMSA (AP_CREATE)',
  'ap-create on-init APIC_ID START_IP [FROM]   start it at its next INIT (AP_CREATE_ON_INIT)',
  'ap-create destroy APIC_ID [FROM]            stop it (AP_DESTROY)',
  'ap-create raw INFO1 INFO2 [RAX] [FROM]      a hand-made request (no RAX: RAX not marked valid)',
  'ap-create status                            feature bit, each vCPU and its VMSA',
  'Example: ap-create create 1 0x8000',
].join('\n');

const SUBCOMMANDS = ['create', 'on-init', 'destroy', 'raw', 'status'] as const;

function num(word: string | undefined, what: string, max: number): number {
  const n = parseBounded(word, max);
  if (n === null) throw new CommandError(`${what} '${word ?? ''}' is not a number from 0 to ${hex(max)}`);
  return n;
}

function u64(word: string | undefined, what: string): bigint {
  const n = parseInteger(word);
  if (n === null || n < 0n || n >= 1n << 64n)
    throw new CommandError(`${what} '${word ?? ''}' is not a 64-bit number`);
  return n;
}

function fromVcpu(word: string | undefined, machine: Machine): number {
  if (word === undefined) return 0;
  return num(word, 'FROM', machine.vcpus.length - 1);
}

function status(machine: Machine, host: ApCreationHost, guest: ApCreationGuest): string {
  const advertised = (machine.hv.config.hvFeatures & GHCB_HV_FT_SNP_AP_CREATION) !== 0n;
  const seen = (machine.kernel.hvFeatures & GHCB_HV_FT_SNP_AP_CREATION) !== 0n;
  const lines = [
    `GHCB_HV_FT_SNP_AP_CREATION: hypervisor ${advertised ? 'advertises' : 'does not advertise'} it; guest ${seen ? 'saw' : 'did not see'} it at boot`,
  ];
  for (const v of machine.vcpus) {
    const t = host.targets.get(v.index);
    const vmsa = guest.current.get(v.apicId);
    const pending = t?.waitingForReset ? `, ${apRequestName(t.request)} pending` : '';
    lines.push(
      `cpu${v.index} apic ${v.apicId} ${v.state}${vmsa === undefined ? '' : ` VMSA ${hex(vmsa)}`}${pending}`,
    );
  }
  return lines.join('\n');
}

export function apCreateCommand(host: ApCreationHost, guest: ApCreationGuest): PluginCommand {
  return {
    name: 'ap-create',
    summary: 'start or stop an AP with the AP Creation NAE event (SVM_VMGEXIT_AP_CREATION)',
    usage: USAGE,
    complete: (args) => (args.length <= 1 ? SUBCOMMANDS.filter((s) => s.startsWith(args[0] ?? '')) : []),
    run(args, machine) {
      const [sub, a, b, c, d] = args;
      const apicMax = 0xffff_ffff;
      switch (sub) {
        case 'create':
        case 'on-init': {
          const r = guest.wakeup({
            apicId: num(a, 'APIC_ID', apicMax),
            startIp: num(b, 'START_IP', 0xf_ffff),
            request: sub === 'create' ? 'create' : 'create-on-init',
            from: fromVcpu(c, machine),
          });
          return describeOutcome(r);
        }
        case 'destroy':
          return describeOutcome(guest.destroy(num(a, 'APIC_ID', apicMax), fromVcpu(b, machine)));
        case 'raw': {
          const info1 = u64(a, 'INFO1');
          const info2 = u64(b, 'INFO2');
          const rax = c === undefined ? undefined : u64(c, 'RAX');
          const from = fromVcpu(d, machine);
          const g = machine.kernel.hvCall(
            machine.vcpu(from),
            SVM_VMGEXIT_AP_CREATION,
            info1,
            info2,
            (ghcb) => {
              if (rax !== undefined) ghcb.set('rax', rax);
            },
          ).ghcb;
          return `sw_exit_info_1=${hex(g.get('sw_exit_info_1'))} sw_exit_info_2=${hex(g.get('sw_exit_info_2'))}`;
        }
        case 'status':
          return status(machine, host, guest);
        default:
          throw new CommandError(`'${sub ?? ''}' is not one of ${SUBCOMMANDS.join(', ')}`);
      }
    },
  };
}
