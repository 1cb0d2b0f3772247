import {
  decodeCpuidReq,
  decodeCpuidResp,
  decodeGfn,
  decodeHvFeatures,
  decodeSevInfo,
  decodeTermReq,
  GHCB_MSR,
  GHCB_MSR_NAMES,
  hvFeatureNames,
  msrInfo,
  terminationReasonText,
} from '../../../core/index.ts';
import { hex } from '../numbers.ts';

const CPUID_REGS = ['eax', 'ebx', 'ecx', 'edx'] as const;

/** What GHCBData (63:12) means for each MSR-protocol code (sev-common.h field layouts). */
const DATA: Readonly<Record<number, (v: bigint) => string>> = {
  [GHCB_MSR.SEV_INFO_RESP]: (v) => {
    const i = decodeSevInfo(v);
    return `max=${i.max} min=${i.min} cbit=${i.cbit}`;
  },
  [GHCB_MSR.CPUID_REQ]: (v) => {
    const r = decodeCpuidReq(v);
    return `fn=${hex(r.fn)} ${CPUID_REGS[r.reg]}`;
  },
  [GHCB_MSR.CPUID_RESP]: (v) => `value=${hex(decodeCpuidResp(v))}`,
  [GHCB_MSR.AP_RESET_HOLD_RESP]: (v) => {
    const r = decodeGfn(v);
    return `result=${r}${r === 0n ? ' (not released: hold again)' : ' (released)'}`;
  },
  [GHCB_MSR.HV_FT_RESP]: (v) => {
    const f = decodeHvFeatures(v);
    return `features=${hex(f)}${f ? ` [${hvFeatureNames(f).join(' ')}]` : ''}`;
  },
  [GHCB_MSR.TERM_REQ]: (v) => {
    const t = decodeTermReq(v);
    return `set=${t.set} code=${t.code} (${terminationReasonText(t.set, t.code)})`;
  },
  [GHCB_MSR.PREF_GPA_RESP]: (v) => `gfn=${hex(decodeGfn(v))}`,
  [GHCB_MSR.REG_GPA_REQ]: (v) => `gfn=${hex(decodeGfn(v))}`,
  [GHCB_MSR.REG_GPA_RESP]: (v) => `gfn=${hex(decodeGfn(v))}`,
};

/** The decoded GHCBData of a protocol value, or '' when the code carries none. */
export const msrData = (value: bigint): string => DATA[msrInfo(value)]?.(value) ?? '';

/** A GHCB MSR value by name: the MSR-protocol code and its data, or the GHCB GPA it points at. */
export function describeGhcbMsr(value: bigint): string {
  const code = msrInfo(value);
  if (code === 0) return `GHCB GPA ${hex(value)}`;
  const name = GHCB_MSR_NAMES.get(code) ?? `unknown code ${hex(code)}`;
  const data = DATA[code]?.(value);
  return data ? `${name} ${data}` : name;
}
