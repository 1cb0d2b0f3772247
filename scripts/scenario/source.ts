/**
 * A scenario file as text and as a YAML document with source ranges, so that every message can name
 * `file:line:column`. Parsing uses the `yaml` package's CST ranges through a LineCounter.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { Path } from './schema/path.ts';

/** One problem with an input file: printed as `file:line:column: message`. */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}

export const formatDiagnostic = (d: Diagnostic): string => `${d.file}:${d.line}:${d.column}: ${d.message}`;

export type SourceParse =
  | { ok: true; source: ScenarioSource; value: unknown }
  | { ok: false; error: Diagnostic };

export class ScenarioSource {
  private readonly lines = new LineCounter();
  private readonly doc;

  private constructor(
    readonly file: string,
    readonly text: string,
  ) {
    // intAsBigInt: 64-bit GHCB and register values stay exact.
    this.doc = parseDocument(text, { lineCounter: this.lines, intAsBigInt: true, prettyErrors: false });
  }

  /** Parses YAML text; a syntax error comes back as one diagnostic at its position. */
  static parse(file: string, text: string): SourceParse {
    const source = new ScenarioSource(file, text);
    const err = source.doc.errors[0];
    if (err) {
      const at = source.lines.linePos(err.pos[0]);
      const what = err.message.split('\n')[0]!.replace(/; please use YAML\.parseAllDocuments\(\)/, '');
      return {
        ok: false,
        error: { file, line: at.line, column: at.col, message: `YAML syntax error: ${what}` },
      };
    }
    try {
      return { ok: true, source, value: source.doc.toJS({ maxAliasCount: 1000 }) };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return { ok: false, error: { file, line: 1, column: 1, message: `YAML error: ${message}` } };
    }
  }

  /** Line and column (1-based) of the value at `path`, or of its key; the nearest existing parent if absent. */
  locate(path: Path, at: 'key' | 'value' = 'value'): { line: number; column: number } {
    let node: Node | null = this.doc.contents as Node | null;
    let pos = node?.range?.[0] ?? 0;
    for (let i = 0; i < path.length && node; i++) {
      if (isAlias(node)) node = node.resolve(this.doc) ?? null;
      const seg = path[i]!;
      const last = i === path.length - 1;
      let next: Node | null = null;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        if (last && at === 'key' && isScalar(pair.key)) {
          pos = pair.key.range?.[0] ?? pos;
          break;
        }
        next = (pair.value as Node | null) ?? null;
        // `key:` with no value: point at the key.
        if (!next && isScalar(pair.key)) pos = pair.key.range?.[0] ?? pos;
      } else if (isSeq(node) && typeof seg === 'number') {
        next = (node.items[seg] as Node | undefined) ?? null;
      }
      if (!next) break;
      node = next;
      pos = node.range?.[0] ?? pos;
    }
    const lp = this.lines.linePos(pos);
    return { line: lp.line, column: lp.col };
  }

  diagnostic(path: Path, message: string, at: 'key' | 'value' = 'value'): Diagnostic {
    return { file: this.file, ...this.locate(path, at), message };
  }
}
