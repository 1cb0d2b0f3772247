import {
  decodeHvFeatures,
  decodeSevInfo,
  GHCB_MSR,
  GHCB_PROTOCOL_MAX,
  GHCB_PROTOCOL_MIN,
  hvFeaturesReq,
  msrInfo,
} from '../sev/msr-protocol.ts';

export interface Negotiated {
  hvMin: number;
  hvMax: number;
  version: number;
}

/** One MSR-protocol round trip: write the GHCB MSR, VMGEXIT, read it back. */
export type MsrExchange = (request: bigint) => bigint;

export type NegotiationResult = { ok: true; negotiated: Negotiated } | { ok: false; why: string };

/**
 * Linux sev_es_negotiate_protocol (with the sanity checks of later kernels): ask for the hypervisor's
 * range, refuse a wrong response code, an inverted range or one that excludes 1..2, and use
 * min(hv max, 2) if that is not below the hypervisor's minimum.
 */
export function negotiateProtocol(exchange: MsrExchange): NegotiationResult {
  const val = exchange(BigInt(GHCB_MSR.SEV_INFO_REQ));
  // Why: a hypervisor that does not know the request leaves the MSR unchanged; the guest then reads
  // its own request code back and must not take it for an answer.
  if (msrInfo(val) !== GHCB_MSR.SEV_INFO_RESP)
    return {
      ok: false,
      why: `SEV information response code is 0x${msrInfo(val).toString(16).padStart(3, '0')}, expected 0x001`,
    };
  const { min, max } = decodeSevInfo(val);
  if (min > max) return { ok: false, why: `hypervisor range min=${min} max=${max} is inverted` };
  if (max < GHCB_PROTOCOL_MIN || min > GHCB_PROTOCOL_MAX)
    return {
      ok: false,
      why: `hypervisor range ${min}..${max} excludes ${GHCB_PROTOCOL_MIN}..${GHCB_PROTOCOL_MAX}`,
    };
  const version = Math.min(max, GHCB_PROTOCOL_MAX);
  if (version < min) return { ok: false, why: `version ${version} is below the hypervisor minimum ${min}` };
  return { ok: true, negotiated: { hvMin: min, hvMax: max, version } };
}

/** Linux get_hv_features: protocol v2 only; a wrong response code means no features. */
export function queryHvFeatures(exchange: MsrExchange, version: number): bigint {
  if (version < 2) return 0n;
  const val = exchange(hvFeaturesReq());
  if (msrInfo(val) !== GHCB_MSR.HV_FT_RESP) return 0n;
  return decodeHvFeatures(val);
}
