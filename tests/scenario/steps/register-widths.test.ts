// Register widths in scenario values: every name Cpu.setReg accepts has one, it matches what the Cpu
// keeps, and a wider value is an input error at the value's path.
import { describe, expect, test } from 'bun:test';
import { Machine, machineConfig, REGISTER_NAMES } from '../../../core/index.ts';
import { SchemaError } from '../../../scripts/scenario/schema/path.ts';
import { REGISTER_BITS, registerValueFor } from '../../../scripts/scenario/steps/register-widths.ts';
import { registerMap } from '../../../scripts/scenario/steps/regs.ts';

const ctx = { memory: 64 * 2 ** 20, vcpus: 1, baseDir: '.', snapshots: new Set<string>() };

describe('register widths', () => {
  test('every register name has exactly one width', () => {
    expect([...REGISTER_BITS.keys()].sort()).toEqual([...REGISTER_NAMES].sort());
    expect(REGISTER_BITS.size).toBe(REGISTER_NAMES.length);
  });
  test('widths of representative names', () => {
    const of = (names: string[]) => names.map((n) => REGISTER_BITS.get(n));
    expect(of(['rax', 'eax', 'ax', 'al', 'ah', 'r8', 'r8d', 'r8w', 'r8b', 'dil'])).toEqual([
      64, 32, 16, 8, 8, 64, 32, 16, 8, 8,
    ]);
    expect(of(['rip', 'eip', 'ip', 'cs', 'tr', 'cr0', 'cr3', 'cr8', 'gdtr_limit', 'fs_base'])).toEqual([
      64, 32, 16, 16, 16, 32, 64, 4, 16, 64,
    ]);
  });
  test('the Cpu keeps every bit of the largest value that fits a GPR, selector, limit or CR8', () => {
    const cpu = new Machine(machineConfig({ vcpus: 1, memory: ctx.memory })).vcpu(0).cpu;
    const pure = REGISTER_NAMES.filter((n) => !/^(e|r)?(ip|flags)$|^(cr[0-4]|efer|dr[67]|xcr0)$/.test(n));
    for (const name of pure) {
      const max = (1n << BigInt(REGISTER_BITS.get(name)!)) - 1n;
      cpu.setReg(name, max);
      expect([name, cpu.getReg(name)]).toEqual([name, max]);
    }
  });
  test('the largest value that fits parses; one more is an error naming the width', () => {
    expect(registerValueFor('al').parse(0xffn, ['al'], ctx)).toBe(0xffn);
    expect(registerValueFor('cr8').parse('0xf', ['cr8'], ctx)).toBe(0xfn);
    expect(registerValueFor('rax').parse(0xffff_ffff_ffff_ffffn, ['rax'], ctx)).toBe(0xffff_ffff_ffff_ffffn);
    expect(() => registerValueFor('al').parse(0x100n, ['al'], ctx)).toThrow(
      'got 0x100, which does not fit al; expected a value from 0 to 0xff (al is 8 bits)',
    );
    expect(() => registerValueFor('cr8').parse('0x10', ['cr8'], ctx)).toThrow(
      'got 0x10, which does not fit cr8; expected a value from 0 to 0xf (cr8 is 4 bits)',
    );
  });
  test('a register map reports the first value too wide at its own path', () => {
    let caught: unknown;
    try {
      registerMap.parse({ vcpu: 0n, eax: 0x1ffffffffn, al: 0x1234n }, ['steps', 0, 'regs'], ctx);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SchemaError);
    expect((caught as SchemaError).path).toEqual(['steps', 0, 'regs', 'eax']);
    expect((caught as SchemaError).message).toBe(
      'got 0x1ffffffff, which does not fit eax; expected a value from 0 to 0xffffffff (eax is 32 bits)',
    );
  });
  test('a constant name is checked against the width too', () => {
    expect(registerValueFor('al').parse('SVM_EXIT_CPUID', ['al'], ctx)).toBe(0x72n);
    expect(() => registerValueFor('al').parse('SVM_VMGEXIT_AP_JUMP_TABLE', ['al'], ctx)).toThrow(
      'which does not fit al',
    );
  });
});
