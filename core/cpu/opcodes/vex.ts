/**
 * Rows for VEX (C4/C5), EVEX (62) and XOP (8F) encoded instructions, by map. These carry the decode
 * attributes only: every form has a ModRM byte except VEX 0F 77 (VZEROUPPER/VZEROALL); map 0F3A,
 * XOP map 8 and the imm8 opcodes of map 0F carry an imm8; XOP map 0Ah an imm32 (Intel SDM Vol. 2
 * 2.3.5, 2.7.1 and tables; AMD APM Vol. 4 "XOP opcode maps"). The lengths are checked
 * against GNU objdump on real code (tests/cpu/decoder/objdump-lengths.test.ts). The disassembler names
 * a VEX form after its legacy SSE row with a 'v' in front.
 */
import { bad, len, type Row } from './row.ts';

/** Map 0F opcodes whose VEX/EVEX forms take an imm8: PSHUFD family, shift groups, CMPPS, PINSRW, PEXTRW, SHUFPS. */
const MAP1_IB = new Set([0x70, 0x71, 0x72, 0x73, 0xc2, 0xc4, 0xc5, 0xc6]);

function fill(f: (opcode: number) => Row<never>): readonly Row<never>[] {
  return Array.from({ length: 256 }, (_, i) => f(i));
}

const modrm = (name: string) => len(name, 'Vx,Hx,Wx');
const modrmIb = (name: string) => len(name, 'Vx,Hx,Wx,Ib');

const VEX1 = fill((i) =>
  i === 0x77 ? len('vzeroupper|vzeroall') : MAP1_IB.has(i) ? modrmIb('(vex)') : modrm('(vex)'),
);
const VEX2 = fill(() => modrm('(vex)'));
const VEX3 = fill(() => modrmIb('(vex)'));
/** VEX map 7: URDMSR/UWRMSR with an imm32 MSR index (Intel ISE, "USER_MSR"). */
const VEX7 = fill((i) => (i === 0xf8 ? len('(vex)', 'Ry,Id') : bad(true)));

const EVEX1 = fill((i) => (MAP1_IB.has(i) ? modrmIb('(evex)') : modrm('(evex)')));
const EVEX2 = fill(() => modrm('(evex)'));
const EVEX3 = fill(() => modrmIb('(evex)'));
/** EVEX maps 5 and 6: AVX512-FP16; map 5 has no imm8 forms, map 6 neither. */
const EVEX5 = fill(() => modrm('(evex)'));

const XOP8 = fill(() => modrmIb('(xop)'));
const XOP9 = fill(() => modrm('(xop)'));
const XOPA = fill(() => len('(xop)', 'Gy,Ey,Id'));

/** Rows by encoding and map number; a map missing here is #UD. */
export const VEX_MAPS: Readonly<Record<number, readonly Row<never>[]>> = {
  1: VEX1,
  2: VEX2,
  3: VEX3,
  7: VEX7,
};
export const EVEX_MAPS: Readonly<Record<number, readonly Row<never>[]>> = {
  1: EVEX1,
  2: EVEX2,
  3: EVEX3,
  5: EVEX5,
  6: EVEX5,
};
export const XOP_MAPS: Readonly<Record<number, readonly Row<never>[]>> = { 8: XOP8, 9: XOP9, 10: XOPA };

/**
 * Mnemonics of common VEX forms that have no legacy SSE row to borrow a name from (Intel SDM Vol. 2
 * opcode tables, VEX-only entries), by map and opcode. Disassembly only.
 */
export const VEX_ONLY_MNEMONICS: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  2: {
    12: 'vpermilps',
    13: 'vpermilpd',
    14: 'vtestps',
    15: 'vtestpd',
    19: 'vcvtph2ps',
    22: 'vpermps',
    24: 'vbroadcastss',
    25: 'vbroadcastsd',
    26: 'vbroadcastf128',
    44: 'vmaskmovps',
    45: 'vmaskmovpd',
    46: 'vmaskmovps',
    47: 'vmaskmovpd',
    54: 'vpermd',
    69: 'vpsrlv',
    70: 'vpsravd',
    71: 'vpsllv',
    88: 'vpbroadcastd',
    89: 'vpbroadcastq',
    90: 'vbroadcasti128',
    120: 'vpbroadcastb',
    121: 'vpbroadcastw',
    140: 'vpmaskmov',
    142: 'vpmaskmov',
    144: 'vpgatherd',
    145: 'vpgatherq',
    146: 'vgatherdp',
    147: 'vgatherqp',
    242: 'andn',
    243: 'bls',
    245: 'bzhi',
    246: 'mulx',
    247: 'bextr',
  },
  3: {
    0: 'vpermq',
    1: 'vpermpd',
    2: 'vpblendd',
    4: 'vpermilps',
    5: 'vpermilpd',
    6: 'vperm2f128',
    24: 'vinsertf128',
    25: 'vextractf128',
    29: 'vcvtps2ph',
    56: 'vinserti128',
    57: 'vextracti128',
    70: 'vperm2i128',
    74: 'vblendvps',
    75: 'vblendvpd',
    76: 'vpblendvb',
    240: 'rorx',
  },
};
