/**
 * A register file of N bytes for differential MMIO tests: a read returns what was last written
 * (little endian), and every access is recorded as {op, offset, size, value}, so two runs of the same
 * guest code (interpreter under `sev: none`, #VC handler under `sev: es`) can be compared access by
 * access. Bytes past N read as all ones and writes to them are dropped, but the access is recorded.
 */
import type { AccessLog } from './access-log.ts';
import type { MmioDevice } from './mmio-device.ts';

/** What a snapshot keeps: copies of the registers and of the access log. */
interface RegfileState {
  readonly bytes: Uint8Array;
  readonly log: AccessLog;
}

export interface RegfileOptions {
  /** Bytes of registers. */
  size: number;
  name?: string;
  /** Where accesses are recorded; default a fresh array, readable as `log`. */
  log?: AccessLog;
}

export class RegfileDevice implements MmioDevice {
  readonly name: string;
  readonly log: AccessLog;
  readonly bytes: Uint8Array;

  constructor(opts: RegfileOptions) {
    this.name = opts.name ?? 'regfile';
    this.log = opts.log ?? [];
    this.bytes = new Uint8Array(opts.size);
  }

  snapshot(): unknown {
    return { bytes: this.bytes.slice(), log: [...this.log] } satisfies RegfileState;
  }

  /** The log is cut back to what it held at the snapshot, in place: callers keep the array they gave. */
  restore(saved: unknown): void {
    const s = saved as RegfileState;
    this.bytes.set(s.bytes);
    this.log.length = 0;
    for (const record of s.log) this.log.push(record); // a loop, not push(...): logs outgrow argument limits
  }

  read(offset: number, size: number): bigint {
    let value = 0n;
    for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.bytes[offset + i] ?? 0xff);
    this.log.push({ op: 'read', offset, size, value });
    return value;
  }

  write(offset: number, size: number, value: bigint): void {
    this.log.push({ op: 'write', offset, size, value });
    for (let i = 0; i < size && offset + i < this.bytes.length; i++) {
      this.bytes[offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
    }
  }
}
