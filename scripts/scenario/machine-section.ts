/**
 * The `machine:` and `hypervisor:` sections: what VM a scenario builds (core/machine-config.ts) and
 * how its hypervisor behaves, hostile behaviours included (core/hypervisor/config.ts HostileBehaviour).
 */
import { type HostileBehaviour, MAX_VCPUS, type MachineConfig, machineConfig } from '../../core/index.ts';
import { EXIT_CODE_NAMES, MSR_CODE_NAMES } from './names.ts';
import { arr, bool, describe, type Infer, int, obj, oneOf, orNone, str, u64 } from './schema/dsl.ts';

const gpa = (what: string) => describe(int({ expected: `${what}: a guest-physical address` }), what);

export const machineSection = obj({
  optional: {
    vcpus: describe(int({ min: 1, max: MAX_VCPUS }), 'Number of vCPUs (vCPU 0 is the BSP). Default 4.'),
    memory: describe(
      int({ min: 0x10_0000, max: 2 ** 46, expected: 'a memory size from 1MiB to 64TiB, such as 256MiB' }),
      'Guest RAM size, e.g. 256MiB. Default 256MiB.',
    ),
    sev: describe(oneOf(['none', 'es'] as const), 'none: a plain VM; es: SEV-ES. Default es.'),
    seed: describe(int(), 'Seeds the VM key: same seed, same event log. `sevlab run --seed` overrides it.'),
    boot: describe(
      bool(),
      'Run firmware start-up first (GHCB protocol negotiation and AP_JUMP_TABLE SET on SEV-ES). Default true.',
    ),
    'ghcb-base': gpa('Base of the per-vCPU GHCB pages'),
    firmware: obj({
      optional: {
        'ap-jump-table': describe(
          orNone(int({ expected: 'a guest-physical address' })),
          'GPA of the AP jump table page firmware registers, or none.',
        ),
        reserved: arr(
          obj({
            required: { base: int(), length: int({ min: 1 }), owner: str() },
          }),
        ),
      },
    }),
  },
});

export const hypervisorSection = obj({
  optional: {
    protocol: describe(
      obj({ required: { min: int({ max: 0xffff }), max: int({ max: 0xffff }) } }),
      'GHCB protocol range the hypervisor supports (KVM: 1..2).',
    ),
    cbit: describe(int({ min: 32, max: 51 }), 'C-bit position reported in the SEV information response.'),
    features: describe(u64(), 'Hypervisor feature bitmap (HV_FT_RESP).'),
    hostile: obj({
      optional: {
        'sev-info': describe(
          obj({
            required: { min: int({ max: 0xffff }), max: int({ max: 0xffff }) },
            optional: { cbit: int({ max: 0xff }) },
          }),
          'Answer SEV_INFO_REQ with this range instead of the real one.',
        ),
        'msr-responses': describe(
          arr(
            obj({
              required: {
                request: int({
                  max: 0xfff,
                  names: MSR_CODE_NAMES,
                  expected: 'a GHCB_MSR_* request code or a number',
                }),
                response: u64(MSR_CODE_NAMES),
              },
            }),
          ),
          'Answer an MSR-protocol request code with this raw value (e.g. the request echoed).',
        ),
        'ap-jump-table-get': describe(int(), 'AP_JUMP_TABLE GET answers this GPA instead of the stored one.'),
        'spurious-hold-release': describe(
          bool(),
          'Release AP reset holds on non-SIPI wake-ups with result 0.',
        ),
        'drop-sipi': describe(arr(int()), 'Drop the n-th SIPI (0-based, over the whole VM).'),
        'cpuid-unmarked-outputs': describe(
          arr(oneOf(['rax', 'rbx', 'rcx', 'rdx'] as const)),
          'After CPUID exits, leave these output registers unmarked in the valid bitmap.',
        ),
        'inject-exception': describe(
          obj({
            required: {
              'exit-code': int({
                max: 0xffff_ffff,
                names: EXIT_CODE_NAMES,
                expected: 'an exit code such as SVM_EXIT_CPUID',
              }),
              'event-injection': u64(),
            },
          }),
          'Answer every exit of this code with an exception request (sw_exit_info_1 = 1).',
        ),
      },
    }),
  },
});

export type MachineSection = Infer<typeof machineSection>;
export type HypervisorSection = Infer<typeof hypervisorSection>;

/** The core MachineConfig a scenario's sections describe; `seed` (from --seed) wins over the file's. */
export function toMachineConfig(
  m: MachineSection | undefined,
  h: HypervisorSection | undefined,
  seed: number | undefined,
): MachineConfig {
  const hostile: HostileBehaviour = { ...h?.hostile };
  const hv = {
    ...(h?.protocol ? { protocolMin: h.protocol.min, protocolMax: h.protocol.max } : {}),
    ...(h?.cbit !== undefined ? { cbit: h.cbit } : {}),
    ...(h?.features !== undefined ? { hvFeatures: h.features } : {}),
    hostile,
  };
  return machineConfig({
    ...(m?.vcpus !== undefined ? { vcpus: m.vcpus } : {}),
    ...(m?.memory !== undefined ? { memory: m.memory } : {}),
    ...(m?.sev !== undefined ? { sev: m.sev } : {}),
    seed: seed ?? m?.seed ?? 0,
    ...(m?.ghcbBase !== undefined ? { ghcbBase: m.ghcbBase } : {}),
    hypervisor: hv,
    firmware: {
      ...(m?.firmware?.apJumpTable !== undefined ? { apJumpTable: m.firmware.apJumpTable } : {}),
      ...(m?.firmware?.reserved ? { reserved: m.firmware.reserved } : {}),
    },
  });
}
