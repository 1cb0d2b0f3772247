import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkSingleStepCase, SingleStepRunner } from '../../core/index.ts';
import { type Command, UsageError } from './types.ts';

const usage = `Usage: sevlab conformance singlestep [--path closures|compiled|generic] FILE...

Runs SingleStepTests 80286 real-mode cases (gzipped JSON lines, one case per line: name, bytes,
initial {regs, ram}, final {regs, ram}) on the interpreter and compares registers, flags and RAM.
Flags the manual calls undefined for an instruction, and FLAGS bits 15:12 in real mode, are masked;
forms where the 80286 differs from x86-64 processors are excluded, each with its reason
(core/cpu/singlestep-tables.ts).

--path picks the execution path: 'closures' (default: pre-bound operations, specialised for the
hot forms), 'compiled' (every block compiled, the path hot loops take) or 'generic' (every
instruction through its generic handler).

Prints one line per file (passed, failed, excluded, with the first failures), the exclusion reasons
with their counts, and ends with: N passed, N failed. A line that is not JSON, or a case lacking a
field (name, idx, bytes, initial/final regs and ram), stops the run with FILE:LINE: what is wrong
(status 2).

Example:
  sevlab conformance singlestep tests/testdata/singlestep-80286/*.jsonl.gz`;

/** Which of the interpreter's three execution paths runs the cases. */
export type ExecutionPath = 'closures' | 'compiled' | 'generic';
const RUNNER_OPTIONS = {
  closures: {},
  compiled: { compileAfter: 0 },
  generic: { specialise: false },
} as const;

export interface FileSummary {
  file: string;
  passed: number;
  failed: number;
  excluded: number;
  /** The first few failures: case name and what differed. */
  failures: string[];
}

export interface SingleStepSummary {
  files: FileSummary[];
  passed: number;
  failed: number;
  excluded: number;
  /** Exclusion reason -> number of cases. */
  exclusions: Map<string, number>;
}

/** Runs every case of every file; the whole run shares one 16 MiB machine. */
export function runSingleStepFiles(
  paths: readonly string[],
  opts: { path?: ExecutionPath } = {},
): SingleStepSummary {
  const runner = new SingleStepRunner(RUNNER_OPTIONS[opts.path ?? 'closures']);
  const summary: SingleStepSummary = { files: [], passed: 0, failed: 0, excluded: 0, exclusions: new Map() };
  for (const path of paths) {
    let text: string;
    try {
      text = gunzipSync(readFileSync(path)).toString('utf8');
    } catch (e) {
      throw new UsageError(`cannot read '${path}' as gzipped JSON lines: ${(e as Error).message}`);
    }
    const file: FileSummary = { file: basename(path), passed: 0, failed: 0, excluded: 0, failures: [] };
    for (const [k, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (e) {
        throw new UsageError(`${path}:${k + 1}: not JSON (${(e as Error).message})`);
      }
      const shape = checkSingleStepCase(parsed);
      if (!shape.ok) throw new UsageError(`${path}:${k + 1}: ${shape.problem}`);
      const t = shape.value;
      const o = runner.run(t);
      if (o.kind === 'pass') file.passed++;
      else if (o.kind === 'excluded') {
        file.excluded++;
        const key = `${o.reason}`;
        summary.exclusions.set(key, (summary.exclusions.get(key) ?? 0) + 1);
      } else {
        file.failed++;
        if (file.failures.length < 3) file.failures.push(`${t.name} (idx ${t.idx}): ${o.diffs.join('; ')}`);
      }
    }
    summary.files.push(file);
    summary.passed += file.passed;
    summary.failed += file.failed;
    summary.excluded += file.excluded;
  }
  return summary;
}

export const conformanceCommand: Command = {
  name: 'conformance',
  summary: 'run an outside CPU test suite (SingleStepTests 80286) on the interpreter',
  usage,
  run(argv) {
    const [suite, ...rest] = argv;
    const at = rest.indexOf('--path');
    const path = at >= 0 ? rest[at + 1] : 'closures';
    if (path !== 'closures' && path !== 'compiled' && path !== 'generic') {
      throw new UsageError(`--path takes closures, compiled or generic, not '${path ?? ''}'`);
    }
    const files = at >= 0 ? rest.filter((_a, k) => k !== at && k !== at + 1) : rest;
    if (suite !== 'singlestep')
      throw new UsageError(`unknown suite '${suite ?? ''}'; the one suite is 'singlestep'`);
    if (files.length === 0) throw new UsageError('give the gzipped JSON-lines files to run');
    const s = runSingleStepFiles(files, { path });
    for (const f of s.files) {
      console.log(`${f.file}: ${f.passed} passed, ${f.failed} failed, ${f.excluded} excluded`);
      for (const why of f.failures) console.log(`  ${why}`);
    }
    if (s.exclusions.size > 0) {
      console.log('excluded:');
      for (const [reason, n] of s.exclusions) console.log(`  ${n} x ${reason}`);
    }
    const total = s.passed + s.failed;
    console.log(
      `pass rate ${total === 0 ? 0 : ((100 * s.passed) / total).toFixed(2)}% of ${total} compared cases`,
    );
    console.log(`${s.passed} passed, ${s.failed} failed`);
    return s.failed === 0 ? 0 : 1;
  },
};
