/**
 * ModRM.reg group tables of the primary and 0F maps (Intel SDM Vol. 2, table A-6 "Opcode Extensions
 * for One- and Two-byte Opcodes by Group Number"; AMD APM Vol. 3, table A-6). Each group is an 8-entry
 * table indexed by ModRM.reg, the index in a comment on each row as Blink's x86.c does.
 */
import { ATTR, bad, byMod, byPrefix, byRm, group, len, op } from './row.ts';

const { D64, F64, LOCK, SX, O64 } = ATTR;

/** 80 (Eb,Ib), 82 (same, invalid in 64-bit). */
export const GRP1_EbIb = group([
  /* 0 */ op('add', 'Eb,Ib', 'addEbIb', LOCK),
  /* 1 */ op('or', 'Eb,Ib', 'orEbIb', LOCK),
  /* 2 */ op('adc', 'Eb,Ib', 'adcEbIb', LOCK),
  /* 3 */ op('sbb', 'Eb,Ib', 'sbbEbIb', LOCK),
  /* 4 */ op('and', 'Eb,Ib', 'andEbIb', LOCK),
  /* 5 */ op('sub', 'Eb,Ib', 'subEbIb', LOCK),
  /* 6 */ op('xor', 'Eb,Ib', 'xorEbIb', LOCK),
  /* 7 */ op('cmp', 'Eb,Ib', 'cmpEbIb'),
]);

/** 81 (Ev,Iz). */
export const GRP1_EvIz = group([
  /* 0 */ op('add', 'Ev,Iz', 'addEvIz', LOCK),
  /* 1 */ op('or', 'Ev,Iz', 'orEvIz', LOCK),
  /* 2 */ op('adc', 'Ev,Iz', 'adcEvIz', LOCK),
  /* 3 */ op('sbb', 'Ev,Iz', 'sbbEvIz', LOCK),
  /* 4 */ op('and', 'Ev,Iz', 'andEvIz', LOCK),
  /* 5 */ op('sub', 'Ev,Iz', 'subEvIz', LOCK),
  /* 6 */ op('xor', 'Ev,Iz', 'xorEvIz', LOCK),
  /* 7 */ op('cmp', 'Ev,Iz', 'cmpEvIz'),
]);

/** 83 (Ev,Ib with the imm8 sign-extended). */
export const GRP1_EvIb = group([
  /* 0 */ op('add', 'Ev,Ib', 'addEvIb', LOCK | SX),
  /* 1 */ op('or', 'Ev,Ib', 'orEvIb', LOCK | SX),
  /* 2 */ op('adc', 'Ev,Ib', 'adcEvIb', LOCK | SX),
  /* 3 */ op('sbb', 'Ev,Ib', 'sbbEvIb', LOCK | SX),
  /* 4 */ op('and', 'Ev,Ib', 'andEvIb', LOCK | SX),
  /* 5 */ op('sub', 'Ev,Ib', 'subEvIb', LOCK | SX),
  /* 6 */ op('xor', 'Ev,Ib', 'xorEvIb', LOCK | SX),
  /* 7 */ op('cmp', 'Ev,Ib', 'cmpEvIb', SX),
]);

/** 8F: POP Ev (XOP when ModRM.reg != 0 is taken before this table, see decoder/vex.ts). */
export const GRP1A = group([
  /* 0 */ op('pop', 'Ev', 'popEv', D64),
  /* 1 */ bad(true),
  /* 2 */ bad(true),
  /* 3 */ bad(true),
  /* 4 */ bad(true),
  /* 5 */ bad(true),
  /* 6 */ bad(true),
  /* 7 */ bad(true),
]);

/** Shift group 2, one table per count operand: C0/C1 Ib, D0/D1 1, D2/D3 CL. /6 is an alias of /4. */
function grp2<const S extends string, const C extends string>(size: S, count: C) {
  const form = `E${size},${count}` as const;
  const key = `E${size}${count}` as const;
  return group([
    /* 0 */ op('rol', form, `rol${key}`),
    /* 1 */ op('ror', form, `ror${key}`),
    /* 2 */ op('rcl', form, `rcl${key}`),
    /* 3 */ op('rcr', form, `rcr${key}`),
    /* 4 */ op('shl', form, `shl${key}`),
    /* 5 */ op('shr', form, `shr${key}`),
    /* 6 */ op('sal', form, `shl${key}`),
    /* 7 */ op('sar', form, `sar${key}`),
  ]);
}
export const GRP2_EbIb = grp2('b', 'Ib');
export const GRP2_EvIb = grp2('v', 'Ib');
export const GRP2_Eb1 = grp2('b', '1');
export const GRP2_Ev1 = grp2('v', '1');
export const GRP2_EbCL = grp2('b', 'CL');
export const GRP2_EvCL = grp2('v', 'CL');

/** F6: only /0 and /1 (TEST) carry an immediate. /1 is the undocumented alias of /0. */
export const GRP3_Eb = group([
  /* 0 */ op('test', 'Eb,Ib', 'testEbIb'),
  /* 1 */ op('test', 'Eb,Ib', 'testEbIb'),
  /* 2 */ op('not', 'Eb', 'notEb', LOCK),
  /* 3 */ op('neg', 'Eb', 'negEb', LOCK),
  /* 4 */ op('mul', 'Eb', 'mulEb'),
  /* 5 */ op('imul', 'Eb', 'imulEb'),
  /* 6 */ op('div', 'Eb', 'divEb'),
  /* 7 */ op('idiv', 'Eb', 'idivEb'),
]);

/** F7. */
export const GRP3_Ev = group([
  /* 0 */ op('test', 'Ev,Iz', 'testEvIz'),
  /* 1 */ op('test', 'Ev,Iz', 'testEvIz'),
  /* 2 */ op('not', 'Ev', 'notEv', LOCK),
  /* 3 */ op('neg', 'Ev', 'negEv', LOCK),
  /* 4 */ op('mul', 'Ev', 'mulEv'),
  /* 5 */ op('imul', 'Ev', 'imulEv'),
  /* 6 */ op('div', 'Ev', 'divEv'),
  /* 7 */ op('idiv', 'Ev', 'idivEv'),
]);

/** FE. */
export const GRP4 = group([
  /* 0 */ op('inc', 'Eb', 'incEb', LOCK),
  /* 1 */ op('dec', 'Eb', 'decEb', LOCK),
  /* 2 */ bad(true),
  /* 3 */ bad(true),
  /* 4 */ bad(true),
  /* 5 */ bad(true),
  /* 6 */ bad(true),
  /* 7 */ bad(true),
]);

/** FF. Near CALL/JMP/PUSH default to 64-bit operands in 64-bit mode. */
export const GRP5 = group([
  /* 0 */ op('inc', 'Ev', 'incEv', LOCK),
  /* 1 */ op('dec', 'Ev', 'decEv', LOCK),
  /* 2 */ op('call', 'Ev', 'callEv', D64),
  /* 3 */ byMod(op('call far', 'Mp', 'callfMp'), bad(true)),
  /* 4 */ op('jmp', 'Ev', 'jmpEv', D64),
  /* 5 */ byMod(op('jmp far', 'Mp', 'jmpfMp'), bad(true)),
  /* 6 */ op('push', 'Ev', 'pushEv', D64),
  /* 7 */ bad(true),
]);

/** C6: MOV Eb,Ib; C6 F8 is XABORT (RTM). */
export const GRP11_EbIb = group([
  /* 0 */ op('mov', 'Eb,Ib', 'movEbIb'),
  /* 1 */ bad(true),
  /* 2 */ bad(true),
  /* 3 */ bad(true),
  /* 4 */ bad(true),
  /* 5 */ bad(true),
  /* 6 */ bad(true),
  /* 7 */ byMod(bad(true), byRm([len('xabort', 'Ib'), bad(), bad(), bad(), bad(), bad(), bad(), bad()])),
]);

/** C7: MOV Ev,Iz; C7 F8 is XBEGIN Jz (RTM). */
export const GRP11_EvIz = group([
  /* 0 */ op('mov', 'Ev,Iz', 'movEvIz'),
  /* 1 */ bad(true),
  /* 2 */ bad(true),
  /* 3 */ bad(true),
  /* 4 */ bad(true),
  /* 5 */ bad(true),
  /* 6 */ bad(true),
  /* 7 */ byMod(bad(true), byRm([len('xbegin', 'Jz'), bad(), bad(), bad(), bad(), bad(), bad(), bad()])),
]);

/** 0F 00. */
export const GRP6 = group([
  /* 0 */ op('sldt', 'Ew', 'sldtEw'),
  /* 1 */ op('str', 'Ew', 'strEw'),
  /* 2 */ op('lldt', 'Ew', 'lldtEw'),
  /* 3 */ op('ltr', 'Ew', 'ltrEw'),
  /* 4 */ op('verr', 'Ew', 'verrEw'),
  /* 5 */ op('verw', 'Ew', 'verwEw'),
  /* 6 */ bad(true),
  /* 7 */ bad(true),
]);

/**
 * 0F 01: descriptor-table loads and stores with a memory operand; with mod == 11b the rm field picks
 * system instructions (AMD APM Vol. 3 table A-7, Intel SDM table A-6). F3 0F 01 D9 is AMD's VMGEXIT
 * (GHCB spec "VMGEXIT": REP VMMCALL); F2 0F 01 FF is PVALIDATE.
 */
export const GRP7 = group([
  /* 0 */ byMod(
    op('sgdt', 'Ms', 'sgdtMs'),
    byRm([
      /* C0 */ len('enclv'),
      /* C1 */ len('vmcall'),
      /* C2 */ len('vmlaunch'),
      /* C3 */ len('vmresume'),
      /* C4 */ len('vmxoff'),
      /* C5 */ len('pconfig'),
      /* C6 */ len('wrmsrns'),
      /* C7 */ bad(),
    ]),
  ),
  /* 1 */ byMod(
    op('sidt', 'Ms', 'sidtMs'),
    byRm([
      /* C8 */ op('monitor', '', 'monitor'),
      /* C9 */ op('mwait', '', 'mwait'),
      /* CA */ op('clac', '', 'clac'),
      /* CB */ op('stac', '', 'stac'),
      /* CC */ bad(),
      /* CD */ bad(),
      /* CE */ bad(),
      /* CF */ len('encls'),
    ]),
  ),
  /* 2 */ byMod(
    op('lgdt', 'Ms', 'lgdtMs'),
    byRm([
      /* D0 */ op('xgetbv', '', 'xgetbv'),
      /* D1 */ op('xsetbv', '', 'xsetbv'),
      /* D2 */ bad(),
      /* D3 */ bad(),
      /* D4 */ len('vmfunc'),
      /* D5 */ len('xend'),
      /* D6 */ len('xtest'),
      /* D7 */ len('enclu'),
    ]),
  ),
  /* 3 */ byMod(
    op('lidt', 'Ms', 'lidtMs'),
    byRm([
      /* D8 */ len('vmrun'),
      /* D9 */ byPrefix(op('vmmcall', '', 'vmmcall'), null, op('vmgexit', '', 'vmgexit')),
      /* DA */ len('vmload'),
      /* DB */ len('vmsave'),
      /* DC */ op('stgi', '', 'stgi'),
      /* DD */ op('clgi', '', 'clgi'),
      /* DE */ len('skinit'),
      /* DF */ len('invlpga'),
    ]),
  ),
  /* 4 */ op('smsw', 'Ew', 'smswEw'),
  /* 5 */ byMod(
    byPrefix(bad(true), null, len('rstorssp', 'Mq')),
    byRm([
      /* E8 */ byPrefix(len('serialize'), null, len('setssbsy')),
      /* E9 */ bad(),
      /* EA */ byPrefix(bad(), null, len('saveprevssp')),
      /* EB */ bad(),
      /* EC */ bad(),
      /* ED */ bad(),
      /* EE */ len('rdpkru'),
      /* EF */ len('wrpkru'),
    ]),
  ),
  /* 6 */ op('lmsw', 'Ew', 'lmswEw'),
  /* 7 */ byMod(
    op('invlpg', 'Mb', 'invlpgMb'),
    byRm([
      /* F8 */ op('swapgs', '', 'swapgs', O64),
      /* F9 */ op('rdtscp', '', 'rdtscp'),
      /* FA */ len('monitorx'),
      /* FB */ len('mwaitx'),
      /* FC */ len('clzero'),
      /* FD */ len('rdpru'),
      /* FE */ byPrefix(len('invlpgb'), null, len('rmpadjust'), len('rmpupdate')),
      /* FF */ byPrefix(len('tlbsync'), null, len('psmash'), op('pvalidate', '', 'pvalidate')),
    ]),
  ),
]);

/** 0F BA: BT family with an imm8 bit offset. */
export const GRP8 = group([
  /* 0 */ bad(true),
  /* 1 */ bad(true),
  /* 2 */ bad(true),
  /* 3 */ bad(true),
  /* 4 */ op('bt', 'Ev,Ib', 'btEvIb'),
  /* 5 */ op('bts', 'Ev,Ib', 'btsEvIb', LOCK),
  /* 6 */ op('btr', 'Ev,Ib', 'btrEvIb', LOCK),
  /* 7 */ op('btc', 'Ev,Ib', 'btcEvIb', LOCK),
]);

/** 0F C7: CMPXCHG8B/16B (REX.W), RDRAND/RDSEED/RDPID with a register, VMX pointer loads. */
export const GRP9 = group([
  /* 0 */ bad(true),
  /* 1 */ byMod(op('cmpxchg8b|cmpxchg8b|cmpxchg16b', 'Mq', 'cmpxchg8bMq', LOCK), bad(true)),
  /* 2 */ bad(true),
  /* 3 */ byMod(len('xrstors', 'M'), bad(true)),
  /* 4 */ byMod(len('xsavec', 'M'), bad(true)),
  /* 5 */ byMod(len('xsaves', 'M'), bad(true)),
  /* 6 */ byMod(
    byPrefix(len('vmptrld', 'Mq'), len('vmclear', 'Mq'), len('vmxon', 'Mq')),
    op('rdrand', 'Rv', 'rdrandRv'),
  ),
  /* 7 */ byMod(
    byPrefix(len('vmptrst', 'Mq')),
    byPrefix(op('rdseed', 'Rv', 'rdseedRv'), null, op('rdpid', 'Ry', 'rdpidRy', F64)),
  ),
]);

/** 0F AE: state save/restore with memory, fences with a register; F3 with a register: FS/GS base. */
export const GRP15 = group([
  /* 0 */ byMod(len('fxsave', 'M'), byPrefix(bad(), null, len('rdfsbase', 'Ry'))),
  /* 1 */ byMod(len('fxrstor', 'M'), byPrefix(bad(), null, len('rdgsbase', 'Ry'))),
  /* 2 */ byMod(len('ldmxcsr', 'Md'), byPrefix(bad(), null, len('wrfsbase', 'Ry'))),
  /* 3 */ byMod(len('stmxcsr', 'Md'), byPrefix(bad(), null, len('wrgsbase', 'Ry'))),
  /* 4 */ byMod(len('xsave', 'M'), byPrefix(bad(), null, len('ptwrite', 'Ey'))),
  /* 5 */ byMod(byPrefix(len('xrstor', 'M'), null, len('incsspd', 'Rd')), op('lfence', '', 'lfence')),
  /* 6 */ byMod(
    byPrefix(len('xsaveopt', 'M'), len('clwb', 'Mb'), len('clrssbsy', 'Mq')),
    byPrefix(op('mfence', '', 'mfence'), len('tpause', 'Rd'), len('umonitor', 'Rv'), len('umwait', 'Rd')),
  ),
  /* 7 */ byMod(
    byPrefix(op('clflush', 'Mb', 'clflushMb'), op('clflushopt', 'Mb', 'clflushMb')),
    op('sfence', '', 'sfence'),
  ),
]);

/** 0F 18: prefetch hints with memory; reserved-NOP with a register. */
const hintNop = op('nop', 'Ev', 'nopEv');
export const GRP16 = group([
  /* 0 */ byMod(op('prefetchnta', 'Mb', 'nopEv'), hintNop),
  /* 1 */ byMod(op('prefetcht0', 'Mb', 'nopEv'), hintNop),
  /* 2 */ byMod(op('prefetcht1', 'Mb', 'nopEv'), hintNop),
  /* 3 */ byMod(op('prefetcht2', 'Mb', 'nopEv'), hintNop),
  /* 4 */ hintNop,
  /* 5 */ hintNop,
  /* 6 */ hintNop,
  /* 7 */ hintNop,
]);

/** 0F 0D: AMD PREFETCH/PREFETCHW (3DNow! prefetch group), NOP-like everywhere else. */
export const GRP_P = group([
  /* 0 */ op('prefetch', 'Mb', 'nopEv'),
  /* 1 */ op('prefetchw', 'Mb', 'nopEv'),
  /* 2 */ op('prefetchwt1', 'Mb', 'nopEv'),
  /* 3 */ op('prefetch', 'Mb', 'nopEv'),
  /* 4 */ op('prefetch', 'Mb', 'nopEv'),
  /* 5 */ op('prefetch', 'Mb', 'nopEv'),
  /* 6 */ op('prefetch', 'Mb', 'nopEv'),
  /* 7 */ op('prefetch', 'Mb', 'nopEv'),
]);

/** 0F 71/72/73: MMX/SSE shift by imm8 (register operand only). */
function shiftImm(names: readonly [string, string, string, string, string, string, string, string]) {
  const row = (i: number) => {
    const n = names[i] ?? '';
    return n === '' ? bad(true) : byMod(bad(true), byPrefix(len(n, 'Nq,Ib'), len(n, 'Ux,Ib')));
  };
  return group([row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7)]);
}
export const GRP12 = shiftImm(['', '', 'psrlw', '', 'psraw', '', 'psllw', '']);
export const GRP13 = shiftImm(['', '', 'psrld', '', 'psrad', '', 'pslld', '']);
export const GRP14 = shiftImm(['', '', 'psrlq', 'psrldq', '', '', 'psllq', 'pslldq']);
