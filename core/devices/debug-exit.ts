/**
 * QEMU's isa-debug-exit (hw/misc/debugexit.c): a write of V to its ports ends the run with status
 * (V << 1) | 1, so a guest can report success or failure to a test harness and no guest value is
 * confused with a clean exit of 0. Reads return 0. The whole status goes to `onExit`; a process that
 * passes it on as its exit code keeps the low 8 bits, as QEMU's exit() does.
 */
import type { AccessLog } from './access-log.ts';
import { DeviceError } from './device-error.ts';
import type { PortDevice, PortSize } from './port-bus.ts';

export const DEBUG_EXIT_PORT = 0xf4;

/** What a snapshot keeps: the last exit status. */
interface DebugExitState {
  readonly status: number | undefined;
}

export interface DebugExitOptions {
  onExit: (status: number) => void;
  /** First port (default 0xf4). */
  port?: number;
  /** Ports covered, 1 to 4 (QEMU's iosize; default 1). */
  iosize?: number;
  name?: string;
  log?: AccessLog<number>;
}

export class DebugExit implements PortDevice {
  readonly name: string;
  readonly base: number;
  readonly count: number;
  /** The status of the last exit request, if any. */
  status: number | undefined;
  private readonly onExit: (status: number) => void;
  private readonly log: AccessLog<number> | undefined;

  constructor(opts: DebugExitOptions) {
    const iosize = opts.iosize ?? 1;
    if (!Number.isInteger(iosize) || iosize < 1 || iosize > 4) {
      throw new DeviceError(`isa-debug-exit iosize ${iosize} is not allowed: give 1, 2, 3 or 4.`);
    }
    this.name = opts.name ?? 'isa-debug-exit';
    this.base = opts.port ?? DEBUG_EXIT_PORT;
    this.count = iosize;
    this.onExit = opts.onExit;
    this.log = opts.log;
  }

  snapshot(): unknown {
    return { status: this.status } satisfies DebugExitState;
  }

  restore(saved: unknown): void {
    this.status = (saved as DebugExitState).status;
  }

  read(port: number, size: PortSize): number {
    this.log?.push({ op: 'read', offset: port - this.base, size, value: 0 });
    return 0;
  }

  write(port: number, size: PortSize, value: number): void {
    this.log?.push({ op: 'write', offset: port - this.base, size, value });
    const v = size === 4 ? value >>> 0 : value & ((1 << (8 * size)) - 1);
    // Arithmetic, not bit operators: a 32-bit V gives a 33-bit status.
    this.status = v * 2 + 1;
    this.onExit(this.status);
  }
}
