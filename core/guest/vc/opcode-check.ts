import type { Insn } from '../../cpu/insn.ts';
import { SVM_EXIT } from '../../sev/exit-codes.ts';

/** An instruction form that may raise #VC with a given exit code: 0F-map opcode, and a ModRM if it matters. */
interface Form {
  opcode: number;
  /** Whole ModRM bytes that qualify (0F 01 forms). */
  modrm?: readonly number[];
  /** ModRM.reg that qualifies (MOV from/to DR7). */
  reg?: number;
}

/**
 * Linux vc_check_opcode_bytes (arch/x86/coco/sev/vc-shared.c): the instruction at RIP must be one that
 * causes the reported exit code. Why: a hostile hypervisor can inject a #VC that never happened
 * (WeSee, IEEE S&P 2024) to make the handler emulate, and write registers for, a different
 * instruction. IOIO and NPF are checked by their own handlers (vc_ioio_exitinfo, insn_decode_mmio).
 */
const FORMS: ReadonlyMap<number, readonly Form[]> = new Map<number, readonly Form[]>([
  [SVM_EXIT.CPUID, [{ opcode: 0xa2 }]],
  [SVM_EXIT.INVD, [{ opcode: 0x08 }]],
  // MONITOR and MONITORX, MWAIT and MWAITX share their exit codes.
  [SVM_EXIT.MONITOR, [{ opcode: 0x01, modrm: [0xc8, 0xfa] }]],
  [SVM_EXIT.MWAIT, [{ opcode: 0x01, modrm: [0xc9, 0xfb] }]],
  [SVM_EXIT.MSR, [{ opcode: 0x32 }, { opcode: 0x30 }]],
  [SVM_EXIT.RDPMC, [{ opcode: 0x33 }]],
  [SVM_EXIT.RDTSC, [{ opcode: 0x31 }]],
  [SVM_EXIT.RDTSCP, [{ opcode: 0x01, modrm: [0xf9] }]],
  [SVM_EXIT.READ_DR7, [{ opcode: 0x21, reg: 7 }]],
  [SVM_EXIT.VMMCALL, [{ opcode: 0x01, modrm: [0xd9] }]],
  [SVM_EXIT.WRITE_DR7, [{ opcode: 0x23, reg: 7 }]],
  [SVM_EXIT.WBINVD, [{ opcode: 0x09 }]],
]);

const SELF_CHECKED: ReadonlySet<number> = new Set([SVM_EXIT.IOIO, SVM_EXIT.NPF]);

export type OpcodeCheck = 'match' | 'mismatch' | 'not-listed';

/** Does the decoded instruction cause this exit? 'not-listed': an exit code this table does not know. */
export function checkOpcodeBytes(exitCode: number, insn: Insn): OpcodeCheck {
  if (SELF_CHECKED.has(exitCode)) return 'match';
  const forms = FORMS.get(exitCode);
  if (!forms) return 'not-listed';
  if (insn.map !== '0f') return 'mismatch';
  const modrm = insn.hasModrm ? (insn.mod << 6) | ((insn.reg & 7) << 3) | (insn.rm & 7) : -1;
  const ok = forms.some(
    (f) =>
      f.opcode === insn.opcode &&
      (f.modrm === undefined || f.modrm.includes(modrm)) &&
      (f.reg === undefined || (insn.hasModrm && (insn.reg & 7) === f.reg)),
  );
  return ok ? 'match' : 'mismatch';
}
