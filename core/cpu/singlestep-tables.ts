/**
 * Data for the SingleStepTests 80286 conformance run (`singlestep.ts`): the flags the manual leaves
 * undefined per instruction form, and the forms not compared at all, each with its reason. Forms are
 * spelled like the sample's file names: the opcode byte, plus `.reg` for ModRM groups.
 */
import { FLAG } from './flags.ts';

/** Real mode: the 286 forces FLAGS bits 15:12 (IOPL, NT, bit 15) differently from later CPUs. */
export const REAL_MODE_FLAG_MASK = 0x0fff;

const { CF, PF, AF, ZF, SF, OF } = FLAG;
const ALL = CF | PF | AF | ZF | SF | OF;

function rows(forms: string[], flags: number): Record<string, number> {
  return Object.fromEntries(forms.map((f) => [f, flags]));
}

const grp = (op: string, regs: number[]) => regs.map((r) => `${op}.${r}`);
const SHIFT_OPS = ['C0', 'C1', 'D0', 'D1', 'D2', 'D3'];

/**
 * Flags the AMD64 Architecture Programmer's Manual Vol. 3 (rev. 3.35), appendix "Instruction Effects
 * on RFLAGS" (table F-1 in earlier revisions) marks U (undefined) for the instruction.
 */
export const UNDEFINED_FLAGS: Readonly<Record<string, number>> = {
  // OR, AND, XOR, TEST: AF undefined.
  ...rows(
    ['08', '09', '0A', '0B', '0C', '0D', '20', '21', '22', '23', '24', '25', '30', '31', '32', '33'],
    AF,
  ),
  ...rows(['34', '35', '84', '85', 'A8', 'A9', 'F6.0', 'F6.1', 'F7.0', 'F7.1'], AF),
  ...rows(grp('80', [1, 4, 6]).concat(grp('81', [1, 4, 6]), grp('82', [1, 4, 6]), grp('83', [1, 4, 6])), AF),
  // DAA, DAS: OF undefined. AAA, AAS: OF SF ZF PF undefined. AAM, AAD: OF AF CF undefined.
  ...rows(['27', '2F'], OF),
  ...rows(['37', '3F'], OF | SF | ZF | PF),
  ...rows(['D4', 'D5'], OF | AF | CF),
  // MUL, IMUL: SF ZF AF PF undefined. DIV, IDIV: all six undefined.
  ...rows(['69', '6B', 'F6.4', 'F6.5', 'F7.4', 'F7.5'], SF | ZF | AF | PF),
  ...rows(['F6.6', 'F6.7', 'F7.6', 'F7.7'], ALL),
  // Rotates: OF undefined unless the count is 1. Shifts: AF undefined, OF undefined unless the count
  // is 1, and CF undefined when the count reaches the operand width (SHL/SHR/SAL).
  ...rows(
    SHIFT_OPS.flatMap((op) => grp(op, [0, 1, 2, 3])),
    OF,
  ),
  ...rows(
    SHIFT_OPS.flatMap((op) => grp(op, [4, 5, 6, 7])),
    OF | AF | CF,
  ),
};

/** Word-sized string instructions (INSW OUTSW MOVSW CMPSW STOSW LODSW SCASW). */
const STRING_FORMS = ['6D', '6F', 'A5', 'A7', 'AB', 'AD', 'AF'];

/** Forms not compared, with why (behaviour of the 80286 that x86-64 processors do not share). */
export const EXCLUDED_FORMS: Readonly<Record<string, string>> = {
  D6: 'SALC: undocumented on the 80286; the x86-64 opcode maps define D6 as invalid',
  D8: 'x87 escape: the test machine had no FPU; x87 is not modelled',
  D9: 'x87 escape: the test machine had no FPU; x87 is not modelled',
  DA: 'x87 escape: the test machine had no FPU; x87 is not modelled',
  DB: 'x87 escape: the test machine had no FPU; x87 is not modelled',
  DC: 'x87 escape: the test machine had no FPU; x87 is not modelled',
  DD: 'x87 escape: the test machine had no FPU; x87 is not modelled',
  DE: 'x87 escape: the test machine had no FPU; x87 is not modelled',
  DF: 'x87 escape: the test machine had no FPU; x87 is not modelled',
};

/**
 * LOCK on an instruction that cannot be locked (a register destination, or a form the manual does not
 * list): the 80286 executes it with LOCK# asserted, x86-64 processors raise #UD (APM Vol. 3, 1.2.5
 * "Lock Prefix"). Every such case of every form is excluded.
 */
export const EXCLUDED_LOCK = 'LOCK on a non-lockable form: the 80286 ignores it, x86-64 raises #UD';

/** Cases the sample itself disassembles as '(bad)': encodings the manuals leave undefined (LES/LDS with a
 * register, FF /3 /5 with a register, 8F/C6/C7 with ModRM.reg != 0 ...). The 80286 executes them with
 * undocumented results; x86-64 processors raise #UD. */
export const EXCLUDED_UNDEFINED_ENCODING =
  'an undefined encoding: the 80286 runs it with undocumented results, x86-64 raises #UD';

/**
 * Where the 80286 and an x86-64 processor in real mode raise different exceptions for the same case
 * (`ours` is the interpreter's first delivered vector, `theirs` the sample's; null for none).
 */
export const EXCEPTION_DIFFERENCES: readonly {
  ours: number | null;
  theirs: number | null;
  /** Only these forms (all when absent). */
  forms?: readonly string[];
  /** Only instructions longer than this many bytes. */
  longerThan?: number;
  reason: string;
}[] = [
  {
    ours: 12,
    theirs: 13,
    reason: 'a stack-segment limit violation: the 80286 raises INT 13 in real mode, x86-64 raises #SS (12)',
  },
  {
    ours: 13,
    theirs: 13,
    forms: STRING_FORMS,
    reason:
      'a word string access at offset 0xFFFF: the 80286 advances rSI/rDI before raising INT 13, x86-64 faults first',
  },
  {
    ours: null,
    theirs: 13,
    longerThan: 10,
    reason:
      'an instruction longer than 10 bytes (redundant prefixes): the 80286 raises INT 13, x86-64 allows 15',
  },
  {
    ours: 13,
    theirs: null,
    forms: STRING_FORMS,
    reason:
      'a word access at offset 0xFFFF by a string instruction: the 80286 wraps inside the segment, x86-64 raises #GP',
  },
];
