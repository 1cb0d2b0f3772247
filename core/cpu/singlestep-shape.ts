/**
 * The shape of one SingleStepTests case (github.com/SingleStepTests/80286 README: idx, name, bytes,
 * initial and final {regs, ram}, optional exception), checked before a case runs so a malformed line
 * is reported by what it lacks instead of failing inside the runner.
 */
import type { SingleStepCase } from './singlestep.ts';

export type CaseShape = { ok: true; value: SingleStepCase } | { ok: false; problem: string };

const REGS = ['ax', 'bx', 'cx', 'dx', 'cs', 'ss', 'ds', 'es', 'sp', 'bp', 'si', 'di', 'ip', 'flags'] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isWord = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff;
const isByte = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xff;

function ramProblem(ram: unknown, where: string): string | null {
  if (!Array.isArray(ram)) return `'${where}.ram' is not an array of [address, byte] pairs`;
  for (const [k, row] of ram.entries()) {
    if (!Array.isArray(row) || row.length !== 2 || !Number.isInteger(row[0]) || row[0] < 0 || !isByte(row[1]))
      return `'${where}.ram[${k}]' is ${JSON.stringify(row)}, not an [address, byte] pair`;
  }
  return null;
}

function stateProblem(state: unknown, where: 'initial' | 'final'): string | null {
  if (!isObject(state)) return `'${where}' is missing or not an object with regs and ram`;
  const regs = state.regs;
  if (!isObject(regs)) return `'${where}.regs' is missing or not an object`;
  for (const name of REGS) {
    const v = regs[name];
    if (v === undefined && where === 'final') continue;
    if (!isWord(v))
      return `'${where}.regs.${name}' is ${JSON.stringify(v) ?? 'missing'}, not a 16-bit number`;
  }
  return ramProblem(state.ram, where);
}

/** Checks a parsed JSON line; the problem names the first field that is missing or of the wrong type. */
export function checkSingleStepCase(v: unknown): CaseShape {
  if (!isObject(v)) return { ok: false, problem: 'the line is not a JSON object' };
  if (typeof v.name !== 'string') return { ok: false, problem: "'name' is missing or not a string" };
  if (!Number.isInteger(v.idx)) return { ok: false, problem: "'idx' is missing or not an integer" };
  const bytes = v.bytes;
  if (!Array.isArray(bytes) || bytes.length === 0 || !bytes.every(isByte))
    return { ok: false, problem: "'bytes' is missing or not a non-empty array of bytes (0-255)" };
  const problem = stateProblem(v.initial, 'initial') ?? stateProblem(v.final, 'final');
  if (problem !== null) return { ok: false, problem };
  const ex = v.exception;
  if (ex !== undefined && (!isObject(ex) || !isByte(ex.number)))
    return { ok: false, problem: "'exception' is not an object with a vector 'number'" };
  return { ok: true, value: v as unknown as SingleStepCase };
}
