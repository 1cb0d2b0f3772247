/**
 * `npm test`: the whole suite in the order a developer runs it and CI runs it: format and lint
 * (Biome), typecheck (tsc), then every test (bun test). Ends with one plain line
 * `N passed, N failed` counting the bun tests, plus one failure per failed check stage.
 */
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';

const bin = (name: string) => `${import.meta.dir}/../node_modules/.bin/${name}`;

async function stage(label: string, cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  console.log(`\n== ${label}: ${[cmd.split('/').pop(), ...args].join(' ')}`);
  return await new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const tee = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      out += chunk.toString();
      stream.write(chunk);
    };
    child.stdout.on('data', tee(process.stdout));
    child.stderr.on('data', tee(process.stderr));
    child.on('close', (code) => resolve({ ok: code === 0, out }));
  });
}

/**
 * The lines bun printed for each failed test: everything since the previous test result or file
 * header, down to its fail line (the code frame, the error and the stack), at most 40 lines each.
 */
function failureBlocks(out: string): string[] {
  const blocks: string[] = [];
  let since: string[] = [];
  for (const line of out.split('\n')) {
    if (/^\d+ tests? failed:$/.test(line)) break; // bun's own list of names follows
    // Plain output marks results (pass) (fail) (skip) (todo); coloured output marks them with symbols.
    if (/^(\((pass|skip|todo)\)|[✓»✎]) /.test(line) || /^\S.*\.test\.tsx?:$/.test(line)) since = [];
    else if (/^(\(fail\)|✗) /.test(line)) {
      blocks.push([...since.slice(-39), line].join('\n').trim());
      since = [];
    } else since.push(line);
  }
  return blocks;
}

/** Outside oracles some tests run, with the Debian package that brings each. */
const TOOLS = [
  ['as', 'binutils'],
  ['ld', 'binutils'],
  ['objcopy', 'binutils'],
  ['objdump', 'binutils'],
  ['readelf', 'binutils'],
  ['nm', 'binutils'],
  ['gcc', 'gcc'],
  ['gdb', 'gdb'],
  ['tmux', 'tmux'],
  ['qemu-system-x86_64', 'qemu-system-x86'],
] as const;
const missing = TOOLS.filter(([tool]) => Bun.which(tool) === null);
const missingLine =
  missing.length === 0
    ? null
    : `missing tools some tests need: ${missing.map(([t]) => t).join(', ')}; install them with ` +
      `apt-get install ${[...new Set(missing.map(([, p]) => p))].join(' ')} (bash .ci/run does)`;
if (missingLine) console.log(`\n== ${missingLine}`);

const extra = process.argv.slice(2);
let failedStages = 0;
for (const [label, cmd, args] of [
  ['format and lint', bin('biome'), ['check', '.']],
  ['typecheck', bin('tsc'), ['--noEmit', '-p', '.']],
] as const) {
  if (!(await stage(label, cmd, [...args])).ok) failedStages++;
}
// Why 30 s: a 2-core CI machine runs objdump-backed and whole-binary tests several times slower than a
// developer's idle one; the default 5 s made them fail by timing, not by result.
const tests = await stage('tests', process.execPath, ['test', '--timeout', '30000', ...extra]);
// Read without colour codes: bun colours its counts when FORCE_COLOR is set, as some CI systems do.
const testOut = stripVTControlCharacters(tests.out);
const count = (word: string) => Number(testOut.match(new RegExp(`^\\s*(\\d+) ${word}$`, 'm'))?.[1] ?? 0);
// CI logs are often read from the tail: each failure's message, repeated just above the summary.
const failures = failureBlocks(testOut);
if (failures.length > 0) console.log(`\n== failures (repeated from above)\n${failures.join('\n\n')}`);
if (missingLine) console.log(`\n== ${missingLine}`);
const passed = count('pass');
let failed = count('fail') + failedStages;
if (!tests.ok && failed === 0) failed = 1;
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
