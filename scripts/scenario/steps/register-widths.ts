/**
 * How many bits each register name holds, so `regs: {al: 0x1234}` and `expect: {reg: {al: 0x1ff}}`
 * are input errors instead of a value Cpu.setReg would cut down (core/cpu/registers.ts
 * writeRegister keeps only the low bits) or a comparison that can never pass.
 */
import { GPR64_NAMES } from '../../../core/index.ts';
import type { Schema } from '../schema/dsl.ts';
import { SchemaError } from '../schema/path.ts';
import { registerValue } from './common.ts';

const LEGACY = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'] as const;
const HIGH8 = [8, 9, 10, 11, 12, 13, 14, 15] as const;

/**
 * Bits per name (SDM Vol. 1, 3.4.1 for the GPR widths). CR0 and CR4 have bits 63:32 reserved and CR8
 * is the 4-bit TPR (SDM Vol. 3A 2.5: a MOV that sets reserved bits raises #GP); so do DR6 and DR7's
 * upper halves (SDM Vol. 3B, "Debug Registers and Intel 64 Processors"); the Cpu keeps EFER and XCR0
 * in 32 bits; selectors and descriptor-table limits are 16 bits (SDM Vol. 3A 3.4.2, 2.4.1).
 */
const WIDTHS = {
  64: [...GPR64_NAMES, 'rip', 'rflags', 'cr2', 'cr3', 'gdtr_base', 'idtr_base', 'fs_base', 'gs_base'],
  32: [
    ...LEGACY.map((r) => `e${r}`),
    ...HIGH8.map((n) => `r${n}d`),
    'eip',
    'eflags',
    'cr0',
    'cr4',
    'efer',
    'dr6',
    'dr7',
    'xcr0',
  ],
  16: [
    ...LEGACY,
    ...HIGH8.map((n) => `r${n}w`),
    'ip',
    'flags',
    'es',
    'cs',
    'ss',
    'ds',
    'fs',
    'gs',
    'ldtr',
    'tr',
    'gdtr_limit',
    'idtr_limit',
  ],
  8: [
    'al',
    'cl',
    'dl',
    'bl',
    'ah',
    'ch',
    'dh',
    'bh',
    'spl',
    'bpl',
    'sil',
    'dil',
    ...HIGH8.map((n) => `r${n}b`),
  ],
  4: ['cr8'],
} as const satisfies Record<number, readonly string[]>;

/** Bits held by each register name Cpu.getReg/setReg accept. */
export const REGISTER_BITS: ReadonlyMap<string, number> = new Map(
  Object.entries(WIDTHS).flatMap(([bits, names]) => names.map((n) => [n, Number(bits)] as const)),
);

const hex = (n: bigint) => `0x${n.toString(16)}`;

/** The value schema for one register: a 64-bit value or constant name that fits the register. */
export function registerValueFor(name: string): Schema<bigint> {
  const bits = REGISTER_BITS.get(name) ?? 64;
  if (bits === 64) return registerValue;
  const max = (1n << BigInt(bits)) - 1n;
  const expected = `a value from 0 to ${hex(max)} (${name} is ${bits} bits)`;
  return {
    expected,
    // draft-07 ignores keywords beside a $ref, so the bound sits in an allOf; it only limits numbers
    // (a constant name or a "0x..." string is checked when the scenario is read).
    json: () => ({ allOf: [registerValue.json(), { maximum: Number(max) }] }),
    parse(v, path, ctx) {
      const n = registerValue.parse(v, path, ctx);
      if (n > max)
        throw new SchemaError(path, `got ${hex(n)}, which does not fit ${name}; expected ${expected}`);
      return n;
    },
  };
}
