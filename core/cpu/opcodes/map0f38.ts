/**
 * Three-byte maps 0F 38 xx and 0F 3A xx (Intel SDM Vol. 2 tables ). Every 0F 38 form has a
 * ModRM byte and no immediate; every 0F 3A form has a ModRM byte and an imm8. The rows give the
 * mnemonic by mandatory prefix for disassembly; none has an interpreter handler.
 */
import { bad, byPrefix, len, type Row } from './row.ts';

/** Names by opcode for the 66-prefixed (SSE) and unprefixed (MMX) forms; '' = none. */
function map(
  names: Readonly<Record<number, readonly [none: string, p66: string, pf3?: string, pf2?: string]>>,
  operands: string,
): Row<never>[] {
  const rows: Row<never>[] = [];
  for (let i = 0; i < 256; i++) {
    const n = names[i];
    if (n === undefined) {
      rows.push(bad(true));
      continue;
    }
    const r = (s: string | undefined) => (s === undefined || s === '' ? null : len(s, operands));
    rows.push(byPrefix(r(n[0]) ?? bad(true), r(n[1]), r(n[2]), r(n[3])));
  }
  return rows;
}

/** 0F 38: SSSE3, SSE4.1/4.2, AES, SHA, MOVBE/CRC32, ADCX/ADOX, and the rest of the map. */
export const MAP_0F38 = map(
  {
    0: ['pshufb', 'pshufb'],
    1: ['phaddw', 'phaddw'],
    2: ['phaddd', 'phaddd'],
    3: ['phaddsw', 'phaddsw'],
    4: ['pmaddubsw', 'pmaddubsw'],
    5: ['phsubw', 'phsubw'],
    6: ['phsubd', 'phsubd'],
    7: ['phsubsw', 'phsubsw'],
    8: ['psignb', 'psignb'],
    9: ['psignw', 'psignw'],
    10: ['psignd', 'psignd'],
    11: ['pmulhrsw', 'pmulhrsw'],
    16: ['', 'pblendvb'],
    20: ['', 'blendvps'],
    21: ['', 'blendvpd'],
    23: ['', 'ptest'],
    28: ['pabsb', 'pabsb'],
    29: ['pabsw', 'pabsw'],
    30: ['pabsd', 'pabsd'],
    32: ['', 'pmovsxbw'],
    33: ['', 'pmovsxbd'],
    34: ['', 'pmovsxbq'],
    35: ['', 'pmovsxwd'],
    36: ['', 'pmovsxwq'],
    37: ['', 'pmovsxdq'],
    40: ['', 'pmuldq'],
    41: ['', 'pcmpeqq'],
    42: ['', 'movntdqa'],
    43: ['', 'packusdw'],
    48: ['', 'pmovzxbw'],
    49: ['', 'pmovzxbd'],
    50: ['', 'pmovzxbq'],
    51: ['', 'pmovzxwd'],
    52: ['', 'pmovzxwq'],
    53: ['', 'pmovzxdq'],
    55: ['', 'pcmpgtq'],
    56: ['', 'pminsb'],
    57: ['', 'pminsd'],
    58: ['', 'pminuw'],
    59: ['', 'pminud'],
    60: ['', 'pmaxsb'],
    61: ['', 'pmaxsd'],
    62: ['', 'pmaxuw'],
    63: ['', 'pmaxud'],
    64: ['', 'pmulld'],
    65: ['', 'phminposuw'],
    128: ['', 'invept'],
    129: ['', 'invvpid'],
    130: ['', 'invpcid'],
    200: ['sha1nexte', ''],
    201: ['sha1msg1', ''],
    202: ['sha1msg2', ''],
    203: ['sha256rnds2', ''],
    204: ['sha256msg1', ''],
    205: ['sha256msg2', ''],
    207: ['', 'gf2p8mulb'],
    219: ['', 'aesimc'],
    220: ['', 'aesenc'],
    221: ['', 'aesenclast'],
    222: ['', 'aesdec'],
    223: ['', 'aesdeclast'],
    240: ['movbe', 'movbe', '', 'crc32'],
    241: ['movbe', 'movbe', '', 'crc32'],
    245: ['', 'wrussd'],
    246: ['wrssd', 'adcx', 'adox'],
    248: ['', 'movdir64b', 'enqcmds', 'enqcmd'],
    249: ['movdiri', ''],
  },
  'Vx,Wx',
);

/** 0F 3A: every form carries an imm8. */
export const MAP_0F3A = map(
  {
    8: ['', 'roundps'],
    9: ['', 'roundpd'],
    10: ['', 'roundss'],
    11: ['', 'roundsd'],
    12: ['', 'blendps'],
    13: ['', 'blendpd'],
    14: ['', 'pblendw'],
    15: ['palignr', 'palignr'],
    20: ['', 'pextrb'],
    21: ['', 'pextrw'],
    22: ['', 'pextrd'],
    23: ['', 'extractps'],
    32: ['', 'pinsrb'],
    33: ['', 'insertps'],
    34: ['', 'pinsrd'],
    64: ['', 'dpps'],
    65: ['', 'dppd'],
    66: ['', 'mpsadbw'],
    68: ['', 'pclmulqdq'],
    96: ['', 'pcmpestrm'],
    97: ['', 'pcmpestri'],
    98: ['', 'pcmpistrm'],
    99: ['', 'pcmpistri'],
    204: ['sha1rnds4', ''],
    206: ['', 'gf2p8affineqb'],
    207: ['', 'gf2p8affineinvqb'],
    223: ['', 'aeskeygenassist'],
  },
  'Vx,Wx,Ib',
);
