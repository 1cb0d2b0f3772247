/** Schema pieces the core steps and expectations share: vCPU indexes, guest ranges, registers. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { REGISTER_NAMES, type VcpuRunState } from '../../../core/index.ts';
import { ALL_NAMES } from '../names.ts';
import {
  byType,
  defined,
  describe,
  int,
  oneOf,
  type ParseContext,
  refine,
  type Schema,
  u64,
} from '../schema/dsl.ts';
import { type Path, SchemaError } from '../schema/path.ts';

const hexOf = (n: number) => `0x${n.toString(16)}`;

/** A vCPU index that exists on this machine. */
export const vcpuIndex: Schema<number> = refine(
  describe(int({ expected: 'a vCPU index' }), 'vCPU index (0 is the BSP).'),
  (v, path, ctx) => {
    if (v >= ctx.vcpus)
      throw new SchemaError(
        path,
        `vCPU ${v} does not exist; expected a vCPU index from 0 to ${ctx.vcpus - 1} (machine.vcpus is ${ctx.vcpus})`,
      );
  },
);

/** One vCPU, a list of them, or `all`. */
export const vcpuSet: Schema<number[] | 'all'> = byType<number[] | 'all'>({
  number: vcpuIndex as unknown as Schema<number[] | 'all'>,
  string: oneOf(['all'] as const),
  list: {
    expected: 'a list of vCPU indexes',
    json: () => ({ type: 'array', items: vcpuIndex.json() }),
    parse: (v, path, ctx) => (v as unknown[]).map((x, i) => vcpuIndex.parse(x, [...path, i], ctx)),
  },
});

export const vcpusOf = (set: number | number[] | 'all', count: number): number[] =>
  set === 'all' ? Array.from({ length: count }, (_, i) => i) : typeof set === 'number' ? [set] : set;

/** Checks that [gpa, gpa + length) lies inside guest memory; the message points at `gpa`. */
export function checkGuestRange(gpa: number, length: number, path: Path, ctx: ParseContext): void {
  if (gpa + length > ctx.memory)
    throw new SchemaError(
      path,
      `${hexOf(gpa)}..${hexOf(gpa + length)} is outside guest memory; expected an address range below ${hexOf(ctx.memory)} (machine.memory)`,
    );
}

/** A guest-physical address inside guest memory. */
export const guestAddress: Schema<number> = refine(
  int({ expected: 'a guest-physical address' }),
  (gpa, path, ctx) => checkGuestRange(gpa, 1, path, ctx),
);

/** A file relative to the scenario's folder that exists; returns its absolute path. */
export const existingFile = (path: Path, file: string, ctx: ParseContext): string => {
  const abs = resolve(ctx.baseDir, file);
  if (!existsSync(abs))
    throw new SchemaError(path, `file '${file}' does not exist; expected a file relative to ${ctx.baseDir}`);
  if (!statSync(abs).isFile())
    throw new SchemaError(
      path,
      `'${file}' is a folder, not a file; expected a file relative to ${ctx.baseDir}`,
    );
  return abs;
};

/** Register values by name (`rax: 0x1234`), as Cpu.getReg/setReg spell them. */
export const REGISTERS = REGISTER_NAMES;
export const registerValue = defined(
  'value64',
  u64(ALL_NAMES, 'a 64-bit value or a constant name such as SVM_EXIT_CPUID'),
);

export const RUN_STATES = [
  'running',
  'halted',
  'wait-for-sipi',
  'ap-reset-hold',
  'parked',
  'offline',
  'terminated',
] as const satisfies readonly VcpuRunState[];
