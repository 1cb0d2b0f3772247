import { describe, expect, test } from 'bun:test';
import { DecodeCache } from '../../core/index.ts';
import { assemble, loadReal, rig } from './helpers/asm.ts';

/**
 * Lazy flags across instruction boundaries: each sequence ends with PUSHF/POP AX, so AX holds the
 * flags as the CPU materialises them. Values worked out from the AMD manual's flag definitions.
 */
const CASES: [string, string, number][] = [
  ['ADD 0xFF + 1: CF ZF AF PF', 'movb $0xff, %al\n addb $1, %al', 0x0055],
  [
    'ROL after ADD changes only CF and OF; ZF AF PF stay from the ADD',
    'movb $0x80, %bl\n movb $0xff, %al\n addb $1, %al\n rolb $1, %bl',
    0x0855,
  ],
  ['INC after ROL keeps the rotated CF', 'movb $0x80, %bl\n xorb %al, %al\n rolb $1, %bl\n incw %si', 0x0001],
  [
    'ADC after ROL adds the rotated CF',
    'movb $0x80, %bl\n xorb %cl, %cl\n orb $1, %dl\n rolb $1, %bl\n adcb $0, %cl',
    0x0000,
  ],
  [
    'SUB borrow then RCR pulls CF into the top bit',
    'movb $0, %al\n subb $1, %al\n movb $2, %bl\n rcrb $1, %bl',
    0x0894,
  ],
  ['DEC to zero keeps CF from STC', 'stc\n movw $1, %cx\n decw %cx', 0x0045],
  ['CMP equal then SAHF rewrites the low byte', 'cmpw %ax, %ax\n movb $0xd5, %ah\n sahf', 0x00d5],
  ['TEST clears CF and OF', 'stc\n movb $0x80, %al\n testb %al, %al', 0x0080],
];

function run(body: string, compiled: boolean): number {
  const decodeCache = new DecodeCache();
  decodeCache.compileAfter = compiled ? 0 : Number.POSITIVE_INFINITY;
  const r = rig({ decodeCache });
  const a = assemble(
    `\t.code16\n\t.globl _start\n_start:\n xorw %ax, %ax\n movw %ax, %ss\n movw $0x7000, %sp\n xorw %si, %si\n ${body}\n pushfw\n popw %ax\n hlt\n`,
    0x8000,
  );
  loadReal(r, a, 0x8000);
  expect(r.cpu.run({ maxInstructions: 100 })).toEqual({ kind: 'hlt' });
  return Number(r.cpu.getReg('ax')) & 0x8d5;
}

describe('lazy flags', () => {
  for (const [name, body, want] of CASES) {
    test(name, () => {
      expect(run(body, false)).toBe(want);
      expect(run(body, true)).toBe(want);
    });
  }
});

describe('a fault inside a tight loop', () => {
  test('is taken at the right instruction with the exact retired count, compiled or not', () => {
    const results = [Number.POSITIVE_INFINITY, 0].map((compileAfter) => {
      const decodeCache = new DecodeCache();
      decodeCache.compileAfter = compileAfter;
      const r = rig({ decodeCache });
      const a = assemble(
        `	.code16
	.globl _start
_start:
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7000, %sp
	movw	$gp_handler, 13 * 4
	movw	$0, 13 * 4 + 2
	movw	$0xfff0, %si
spin:
	movw	(%si), %ax
	incw	%si
	jmp	spin
gp_handler:
	hlt`,
        0x8000,
      );
      loadReal(r, a, 0x8000);
      expect(r.cpu.run({ maxInstructions: 1000 })).toEqual({ kind: 'hlt' });
      return {
        retired: r.cpu.instructionsRetired,
        si: r.cpu.getReg('si'),
        pushedIp: r.memory.read16(0x7000 - 6),
        spin: a.sym.spin!,
      };
    });
    // 7 set-up instructions, 15 passes of 3, the faulting MOV does not retire, then HLT.
    expect(results[0]).toEqual({
      retired: 7 + 15 * 3 + 1,
      si: 0xffffn,
      pushedIp: results[0]!.spin,
      spin: results[0]!.spin,
    });
    expect(results[1]).toEqual(results[0]!);
  });
});
