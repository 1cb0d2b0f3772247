/**
 * x87 escape opcodes D8-DF (Intel SDM Vol. 2 tables A-7 to A-22 "Opcode Extensions Using the ModR/M
 * Byte"). Every form has a ModRM byte and no immediate; with a memory operand ModRM.reg picks the
 * operation, with mod == 11b reg and rm together do (rm is ST(i) or a further opcode). Only the
 * control instructions that boot code issues have handlers; the rest are decoded for length and text.
 */
import { bad, byMod, byRm, group, type KeysOf, len, op, type Row } from './row.ts';

type Eight<T> = readonly [T, T, T, T, T, T, T, T];

/** Eight memory forms of one escape byte, ModRM.reg order. */
function mem(names: Eight<string>, operand: string): Row<never>[] {
  return names.map((n) => (n === '' ? bad(true) : len(n, operand)));
}

/** An 8-entry rm table of operand-less forms (D9 E0 FCHS ...). */
function forms(names: Eight<string>): Row<never> {
  return byRm(names.map((n) => (n === '' ? bad() : len(n))) as unknown as Eight<Row<never>>);
}

const ARITH = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'] as const;
const IARITH = ['fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'] as const;

function esc<const M extends readonly Row<string>[], const T extends Eight<Row<string>>>(
  memRows: M,
  regRows: T,
): Row<KeysOf<M> | KeysOf<T>> {
  const m = (i: number) => memRows[i] ?? bad(true);
  return group([
    /* 0 */ byMod(m(0), regRows[0]),
    /* 1 */ byMod(m(1), regRows[1]),
    /* 2 */ byMod(m(2), regRows[2]),
    /* 3 */ byMod(m(3), regRows[3]),
    /* 4 */ byMod(m(4), regRows[4]),
    /* 5 */ byMod(m(5), regRows[5]),
    /* 6 */ byMod(m(6), regRows[6]),
    /* 7 */ byMod(m(7), regRows[7]),
  ]) as Row<KeysOf<M> | KeysOf<T>>;
}

const st = (n: string) => len(n, 'ST,T');
const sti = (n: string) => len(n, 'T');
const tst = (n: string) => len(n, 'T,ST');

const D8 = esc(mem(ARITH, 'Md'), [
  st('fadd'),
  st('fmul'),
  sti('fcom'),
  sti('fcomp'),
  st('fsub'),
  st('fsubr'),
  st('fdiv'),
  st('fdivr'),
]);

const D9 = esc(
  [
    len('fld', 'Md'),
    bad(true),
    len('fst', 'Md'),
    len('fstp', 'Md'),
    len('fldenv', 'M'),
    op('fldcw', 'Mw', 'fldcwMw'),
    len('fnstenv', 'M'),
    op('fnstcw', 'Mw', 'fnstcwMw'),
  ],
  [
    sti('fld'),
    sti('fxch'),
    forms(['fnop', '', '', '', '', '', '', '']),
    sti('fstp1'),
    forms(['fchs', 'fabs', '', '', 'ftst', 'fxam', '', '']),
    forms(['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz', '']),
    forms(['f2xm1', 'fyl2x', 'fptan', 'fpatan', 'fxtract', 'fprem1', 'fdecstp', 'fincstp']),
    forms(['fprem', 'fyl2xp1', 'fsqrt', 'fsincos', 'frndint', 'fscale', 'fsin', 'fcos']),
  ],
);

const DA = esc(mem(IARITH, 'Md'), [
  st('fcmovb'),
  st('fcmove'),
  st('fcmovbe'),
  st('fcmovu'),
  bad(true),
  forms(['', 'fucompp', '', '', '', '', '', '']),
  bad(true),
  bad(true),
]);

const DB = esc(
  [
    len('fild', 'Md'),
    len('fisttp', 'Md'),
    len('fist', 'Md'),
    len('fistp', 'Md'),
    bad(true),
    len('fld', 'Mt'),
    bad(true),
    len('fstp', 'Mt'),
  ],
  [
    st('fcmovnb'),
    st('fcmovne'),
    st('fcmovnbe'),
    st('fcmovnu'),
    byRm([
      /* E0 */ len('feni8087_nop'),
      /* E1 */ len('fdisi8087_nop'),
      /* E2 */ op('fnclex', '', 'fnclex'),
      /* E3 */ op('fninit', '', 'fninit'),
      /* E4 */ len('fsetpm287_nop'),
      /* E5 */ bad(),
      /* E6 */ bad(),
      /* E7 */ bad(),
    ]),
    st('fucomi'),
    st('fcomi'),
    bad(true),
  ],
);

const DC = esc(mem(ARITH, 'Mq'), [
  tst('fadd'),
  tst('fmul'),
  sti('fcom2'),
  sti('fcomp3'),
  tst('fsub'),
  tst('fsubr'),
  tst('fdiv'),
  tst('fdivr'),
]);

const DD = esc(
  [
    len('fld', 'Mq'),
    len('fisttp', 'Mq'),
    len('fst', 'Mq'),
    len('fstp', 'Mq'),
    len('frstor', 'M'),
    bad(true),
    len('fnsave', 'M'),
    op('fnstsw', 'Mw', 'fnstswMw'),
  ],
  [sti('ffree'), sti('fxch4'), sti('fst'), sti('fstp'), sti('fucom'), sti('fucomp'), bad(true), bad(true)],
);

const DE = esc(mem(IARITH, 'Mw'), [
  tst('faddp'),
  tst('fmulp'),
  sti('fcomp5'),
  forms(['', 'fcompp', '', '', '', '', '', '']),
  tst('fsubp'),
  tst('fsubrp'),
  tst('fdivp'),
  tst('fdivrp'),
]);

const DF = esc(
  [
    len('fild', 'Mw'),
    len('fisttp', 'Mw'),
    len('fist', 'Mw'),
    len('fistp', 'Mw'),
    len('fbld', 'Mt'),
    len('fild', 'Mq'),
    len('fbstp', 'Mt'),
    len('fistp', 'Mq'),
  ],
  [
    sti('ffreep'),
    sti('fxch7'),
    sti('fstp8'),
    sti('fstp9'),
    byRm([op('fnstsw', 'AX', 'fnstswAX'), bad(), bad(), bad(), bad(), bad(), bad(), bad()]),
    st('fucomip'),
    st('fcomip'),
    bad(true),
  ],
);

/** D8 through DF. */
export const X87 = [D8, D9, DA, DB, DC, DD, DE, DF] as const;
