/**
 * Guest exceptions. An instruction that faults throws a GuestFault; the run loop catches it in exactly
 * one place (`Cpu.run`) and delivers it through the IVT/IDT, or stops with a #VC outcome. Nothing
 * outside the interpreter ever sees one.
 */

/** Exception vectors (AMD APM Vol. 2, 8.2 "Vectors"). */
export const VECTOR = {
  DE: 0,
  DB: 1,
  NMI: 2,
  BP: 3,
  OF: 4,
  BR: 5,
  UD: 6,
  NM: 7,
  DF: 8,
  TS: 10,
  NP: 11,
  SS: 12,
  GP: 13,
  PF: 14,
  MF: 16,
  AC: 17,
  MC: 18,
  XF: 19,
  VC: 29,
} as const;

/** Vectors that push an error code in protected and long mode. */
export const HAS_ERROR_CODE = new Set<number>([8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);

/** Contributory exceptions: two of them in a row make a #DF (APM Vol. 2, 8.2.9, table 8-7). */
export const CONTRIBUTORY = new Set<number>([0, 10, 11, 12, 13]);

/** #PF error code bits (APM Vol. 2, 8.4.2, figure 8-9). */
export const PF_ERR = { P: 1, W: 2, U: 4, RSV: 8, I: 16 } as const;

export class GuestFault {
  constructor(
    readonly vector: number,
    /** -1: no error code pushed. */
    readonly errorCode: number,
    /** Why, for traces and the shutdown sentence. */
    readonly why: string,
    /** #PF: the faulting linear address (CR2). */
    readonly address = 0,
  ) {}
}

export function fault(vector: number, errorCode: number, why: string, address = 0): GuestFault {
  return new GuestFault(vector, errorCode, why, address);
}

export const ud = (why: string) => fault(VECTOR.UD, -1, why);
export const gp = (code: number, why: string) => fault(VECTOR.GP, code, why);
