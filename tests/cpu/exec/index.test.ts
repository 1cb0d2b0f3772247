import { describe, expect, test } from 'bun:test';
import { ENDS_BLOCK, handlers, UNSUPPORTED } from '../../../core/cpu/exec/index.ts';
import { execKeys } from '../../../core/cpu/opcodes/index.ts';
import { assemble, loadReal, rig } from '../helpers/asm.ts';

describe('the dispatch table', () => {
  test('every exec key of the opcode table has a handler or an UNSUPPORTED row with its reason', () => {
    const missing: string[] = execKeys().filter((k) => !(k in handlers));
    expect(missing.sort()).toEqual(Object.keys(UNSUPPORTED).sort());
  });

  test('no handler exists for a key the table does not have', () => {
    const keys = new Set<string>(execKeys());
    expect(Object.keys(handlers).filter((k) => !keys.has(k))).toEqual([]);
    expect([...ENDS_BLOCK].filter((k) => !keys.has(k))).toEqual([]);
  });

  test('an unsupported instruction raises #UD through the IVT', () => {
    const r = rig();
    const a = assemble(
      `	.code16
	.globl _start
_start:
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7000, %sp
	movw	$ud_handler, 6 * 4
	movw	$0, 6 * 4 + 2
at:
	rsm
	hlt
ud_handler:
	movw	$0x0606, %dx
	hlt`,
      0x8000,
    );
    loadReal(r, a, 0x8000);
    expect(r.cpu.run({ maxInstructions: 20 })).toEqual({ kind: 'hlt' });
    expect(r.cpu.getReg('dx')).toBe(0x0606n);
    expect(r.memory.read16(0x7000 - 6)).toBe(a.sym.at!);
  });
});
