/**
 * Walks a selecting row down to the instruction row: by mandatory prefix, code size, ModRM.reg
 * (groups), ModRM.mod, ModRM.rm (SDM Vol. 2 A.4 "Opcode Extensions ... Using the ModR/M Byte").
 * Reads the ModRM byte when the walk first needs it.
 */
import type { Insn } from '../insn.ts';
import { SELECT } from '../opcodes/row.ts';
import { END } from './errors.ts';
import { scanModrm } from './modrm.ts';

/**
 * Mandatory prefix in effect: 1 = 66, 2 = F3, 3 = F2, 0 none. F2/F3 outrank 66 (SDM Vol. 2 2.1.2:
 * "some SSE instructions use 66H/F2H/F3H as mandatory prefixes"; with F3 and 66 both present 66 is
 * an operand-size prefix, as for 66 F3 0F B8 POPCNT r16).
 */
export function mandatoryPrefix(insn: Insn): number {
  if (insn.vexMap !== 0) return insn.vexPp;
  if (insn.rep === 0xf3) return 2;
  if (insn.rep === 0xf2) return 3;
  return insn.opSizePrefix ? 1 : 0;
}

/** Resolves insn.op to a leaf; returns the next position (after ModRM if it was read), or END. */
export function selectRow(buf: Uint8Array, p: number, stop: number, insn: Insn): number {
  let row = insn.op;
  while (row.select !== SELECT.LEAF) {
    switch (row.select) {
      case SELECT.PREFIX: {
        const want = mandatoryPrefix(insn);
        let pick = want === 0 ? null : row.sub[want]!;
        // F2/F3 without a row of their own act as REP prefixes; then a 66 may still select.
        if (pick === null && want >= 2 && insn.opSizePrefix) pick = row.sub[1]!;
        row = pick ?? row.sub[0]!;
        break;
      }
      case SELECT.MODE:
        row = row.sub[insn.codeSize === 64 ? 1 : 0]!;
        break;
      default: {
        if (!insn.hasModrm) {
          p = scanModrm(buf, p, stop, insn);
          if (p === END) return END;
        }
        const i =
          row.select === SELECT.REG
            ? insn.reg & 7
            : row.select === SELECT.RM
              ? insn.rm & 7
              : insn.mod === 3
                ? 1
                : 0;
        row = row.sub[i]!;
      }
    }
  }
  insn.op = row;
  if (row.modrm && !insn.hasModrm) return scanModrm(buf, p, stop, insn);
  return p;
}
