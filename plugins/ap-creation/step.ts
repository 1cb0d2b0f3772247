/**
 * The scenario step `ap-create`: the guest kernel starts (or stops) an AP with the AP Creation event,
 * and the step passes when the request ends as `expect` says (default `ok`).
 *
 *   - ap-create: {apic_id: 1, start_ip: 0x8000}
 *   - ap-create: {apic_id: 1, start_ip: 0x8000, request: create-on-init}
 *   - ap-create: {apic_id: 1, request: destroy}
 *   - ap-create: {apic_id: 7, start_ip: 0x8000, expect: GHCB_ERR_INVALID_INPUT}
 */
import type { PluginStep } from '../../core/index.ts';
import type { ApCreationGuest } from './guest.ts';
import { parseBounded, parseInteger } from './numbers.ts';
import { describeOutcome, OUTCOME_WORDS, outcomeWord } from './outcome.ts';
import { AP_REQUEST_WORDS, type ApRequestWord } from './protocol.ts';

export interface ApCreateStep {
  apicId: number;
  startIp: number;
  request: ApRequestWord;
  from: number;
  vmsaGpa?: number;
  sevFeatures?: bigint;
  expect: (typeof OUTCOME_WORDS)[number];
}

const FIELDS = ['apic_id', 'start_ip', 'request', 'from', 'vmsa', 'sev_features', 'expect'] as const;
const REQUESTS = Object.keys(AP_REQUEST_WORDS) as ApRequestWord[];

const schema = {
  type: 'object',
  description: 'The guest starts or stops an AP with SVM_VMGEXIT_AP_CREATION (plugin ap-creation).',
  additionalProperties: false,
  required: ['apic_id'],
  properties: {
    apic_id: { type: ['integer', 'string'], description: 'APIC ID of the AP.' },
    start_ip: {
      type: ['integer', 'string'],
      description: 'Real-mode start address (below 1 MiB); not for destroy.',
    },
    request: { enum: REQUESTS, description: 'create (default), create-on-init or destroy.' },
    from: { type: 'integer', description: 'The vCPU that sends the request (default 0).' },
    vmsa: {
      type: ['integer', 'string'],
      description: "The VMSA page's GPA (default: the plugin's VMSA area).",
    },
    sev_features: {
      type: ['integer', 'string'],
      description: 'SEV_FEATURES in the VMSA and RAX (default 0).',
    },
    expect: { enum: OUTCOME_WORDS, description: 'How the request ends (default ok).' },
  },
} as const;

function parse(value: unknown, path: string): ApCreateStep {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${path}: expected a mapping such as {apic_id: 1, start_ip: 0x8000}`);
  const v = value as Record<string, unknown>;
  const unknownKey = Object.keys(v).find((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknownKey)
    throw new Error(`${path}.${unknownKey}: unknown field; expected one of ${FIELDS.join(', ')}`);
  const field = <T>(name: string, ok: (x: unknown) => T | null, what: string): T => {
    const r = ok(v[name]);
    if (r === null) throw new Error(`${path}.${name}: got ${JSON.stringify(v[name])}; expected ${what}`);
    return r;
  };
  const request =
    v.request === undefined
      ? 'create'
      : field(
          'request',
          (x) => (REQUESTS.includes(x as ApRequestWord) ? (x as ApRequestWord) : null),
          REQUESTS.join(', '),
        );
  if (request !== 'destroy' && v.start_ip === undefined)
    throw new Error(`${path}.start_ip: missing; expected the AP's real-mode start address such as 0x8000`);
  const step: ApCreateStep = {
    apicId: field('apic_id', (x) => parseBounded(x, 0xffff_ffff), 'an APIC ID from 0 to 0xffffffff'),
    startIp:
      v.start_ip === undefined
        ? 0
        : field('start_ip', (x) => parseBounded(x, 0xf_ffff), 'an address below 0x100000'),
    request,
    from: v.from === undefined ? 0 : field('from', (x) => parseBounded(x, 4095), 'a vCPU index'),
    expect:
      v.expect === undefined
        ? 'ok'
        : field(
            'expect',
            (x) => (OUTCOME_WORDS.includes(x as never) ? (x as ApCreateStep['expect']) : null),
            OUTCOME_WORDS.join(', '),
          ),
  };
  if (v.vmsa !== undefined)
    step.vmsaGpa = field('vmsa', (x) => parseBounded(x, 2 ** 52 - 1), 'a guest-physical address');
  if (v.sev_features !== undefined)
    step.sevFeatures = field(
      'sev_features',
      (x) => {
        const n = parseInteger(x);
        return n !== null && n >= 0n && n < 1n << 64n ? n : null;
      },
      'a 64-bit number',
    );
  return step;
}

export function apCreateStep(guest: ApCreationGuest): PluginStep<ApCreateStep> {
  return {
    kind: 'ap-create',
    summary: 'The guest starts or stops an AP with the AP Creation event; checks how the request ends',
    schema,
    parse,
    run(s) {
      const r =
        s.request === 'destroy'
          ? guest.destroy(s.apicId, s.from)
          : guest.wakeup({
              apicId: s.apicId,
              startIp: s.startIp,
              request: s.request,
              from: s.from,
              ...(s.vmsaGpa !== undefined ? { vmsaGpa: s.vmsaGpa } : {}),
              ...(s.sevFeatures !== undefined ? { sevFeatures: s.sevFeatures } : {}),
            });
      const got = outcomeWord(r);
      return got === s.expect
        ? { ok: true, note: describeOutcome(r) }
        : {
            ok: false,
            expected: `ap-create ${s.request} APIC ID ${s.apicId} ends ${s.expect}`,
            actual: describeOutcome(r),
          };
    },
  };
}
