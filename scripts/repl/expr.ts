import { parseNumber } from './numbers.ts';

/** What an expression may read: registers of the selected vCPU and guest-physical memory. */
export interface ExprContext {
  /** A register by name (`rax`, `cs`, `cr3`); throws a sentence for an unknown name. */
  reg(name: string): bigint;
  /** Linear address of CS:RIP (`$pc`). */
  pc(): bigint;
  /** Base of a segment register, for `cs:0x100` style addresses. */
  segmentBase(name: string): bigint;
  /** Little-endian read of `size` bytes at a guest-physical address. */
  readPhys(gpa: bigint, size: number): bigint;
}

export class ExprError extends Error {
  override name = 'ExprError';
}

const SEGMENTS = new Set(['cs', 'ds', 'es', 'ss', 'fs', 'gs']);
const DEREF = { u8: 1, u16: 2, u32: 4, u64: 8 } as const;

/**
 * Evaluates one word: terms joined by + and -, where a term is a number, `$reg`, `$pc`, a physical
 * load `u32[EXPR]`, or `(EXPR)`. No spaces inside (a word is one argument). Results wrap at 64 bits.
 */
export function evaluate(text: string, ctx: ExprContext): bigint {
  const p = new Parser(text, ctx);
  const v = p.sum();
  if (p.pos !== text.length) throw new ExprError(`unexpected '${text.slice(p.pos)}' in '${text}'`);
  return BigInt.asUintN(64, v);
}

/**
 * An address: an expression, or SEG:OFF where SEG is a segment register (its base, any mode) or a
 * number (real-mode paragraph: SEG * 16 + OFF), as in `cs:0x100`, `f000:fff0`, `$ds:$si`.
 */
export function evaluateAddress(text: string, ctx: ExprContext): bigint {
  const colon = text.indexOf(':');
  if (colon < 0) return evaluate(text, ctx);
  const seg = text.slice(0, colon).replace(/^\$/, '').toLowerCase();
  const off = text.slice(colon + 1);
  if (off === '') throw new ExprError(`'${text}' has no offset after the colon`);
  const offset = evaluate(/^[0-9a-f]+$/i.test(off) ? `0x${off}` : off, ctx);
  if (SEGMENTS.has(seg)) return BigInt.asUintN(64, ctx.segmentBase(seg) + offset);
  // Why: SEG:OFF in real-mode listings is hex without a prefix (F000:FFF0).
  const paragraph = /^[0-9a-f]+$/i.test(seg) ? BigInt(`0x${seg}`) : evaluate(seg, ctx);
  return BigInt.asUintN(64, paragraph * 16n + offset);
}

class Parser {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly ctx: ExprContext,
  ) {}

  sum(): bigint {
    let v = this.signed();
    for (;;) {
      const op = this.text[this.pos];
      if (op !== '+' && op !== '-') return v;
      this.pos++;
      const t = this.term();
      v = op === '+' ? v + t : v - t;
    }
  }

  private signed(): bigint {
    if (this.text[this.pos] === '-') {
      this.pos++;
      return -this.term();
    }
    return this.term();
  }

  private term(): bigint {
    const rest = this.text.slice(this.pos);
    if (rest.startsWith('(')) {
      this.pos++;
      const v = this.sum();
      this.expect(')');
      return v;
    }
    const deref = /^(u8|u16|u32|u64)\[/.exec(rest);
    if (deref) {
      this.pos += deref[0].length;
      const at = this.sum();
      this.expect(']');
      return this.ctx.readPhys(BigInt.asUintN(64, at), DEREF[deref[1] as keyof typeof DEREF]);
    }
    const reg = /^\$([a-z][a-z0-9_]*)/i.exec(rest);
    if (reg) {
      this.pos += reg[0].length;
      const name = reg[1]!.toLowerCase();
      return name === 'pc' ? this.ctx.pc() : this.ctx.reg(name);
    }
    const num = /^(0x[0-9a-f_]+|0b[01_]+|[0-9][0-9_]*)/i.exec(rest);
    if (num) {
      this.pos += num[0].length;
      return parseNumber(num[0])!;
    }
    throw new ExprError(
      rest === '' ? `'${this.text}' ends where a value should be` : `'${rest}' is not a number or $register`,
    );
  }

  private expect(ch: string): void {
    if (this.text[this.pos] !== ch) throw new ExprError(`missing '${ch}' in '${this.text}'`);
    this.pos++;
  }
}
