/**
 * One device access, as the differential tests and the event log compare them. `offset` is relative
 * to the device's base (register index for port devices); `value` is what was written, or what the
 * read returned.
 */
export interface AccessRecord<V extends number | bigint = bigint> {
  readonly op: 'read' | 'write';
  readonly offset: number;
  readonly size: number;
  readonly value: V;
}

/** Devices append to a caller-supplied array, so one log can interleave several devices in order. */
export type AccessLog<V extends number | bigint = bigint> = AccessRecord<V>[];
