/** Misuse of a device or bus API (bad port, overlapping ranges). The message says what is allowed. */
export class DeviceError extends Error {
  override name = 'DeviceError';
}
