// `sevlab run` end to end in a child process, and the pieces it is made of.
import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseRunArgs } from '../../scripts/commands/run.ts';
import { parseShard, shardOf } from '../../scripts/scenario/discover.ts';
import { runScenarioFile } from '../../scripts/scenario/execute.ts';
import { checkTrace } from './trace-format.ts';

const cli = join(import.meta.dir, '..', '..', 'scripts', 'cli.ts');
const rel = (p: string) => relative(process.cwd(), join(import.meta.dir, p));
const fixture = (name: string) => rel(`fixtures/${name}.yaml`);
const broken = (name: string) => rel(`broken/${name}.yaml`);

function sevlab(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, 'run', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const tmp = () => mkdtempSync(join(tmpdir(), 'sevlab-test-'));

describe('sevlab run exit status and messages', () => {
  test('invalid input: one line per bad file, exit 2, no stack trace, nothing runs', () => {
    const out = join(tmp(), 'out');
    const r = sevlab(fixture('passing'), broken('unknown-step'), broken('wrong-type'), '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${broken('unknown-step')}:5:5: steps[1].jump: unknown step 'jump'; expected one of load, regs, run, ipi, inject-vc, inject-interrupt, vmgexit, msr-protocol, snapshot, restore, write-log, dump-memory or expect`,
      `${broken('wrong-type')}:3:19: machine.vcpus: got the string "four"; expected a whole number from 1 to 4096`,
    ]);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });
  test('a failed expectation: exit 1, the step with its position, expected and actual', () => {
    const r = sevlab(fixture('failing'), fixture('passing'), '--jobs', '1');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      [
        `FAIL ${fixture('failing')}:7:5: step 4 (expect) in "a scenario whose expectation does not hold"`,
        '  expected: reg: cpu0 ax = 0x4321',
        '  actual:   ax = 0x1234',
      ].join('\n'),
    );
    expect(r.stdout).toContain('2 scenarios: 1 passed, 1 failed');
    expect(r.stdout).toMatch(new RegExp(`${fixture('failing')}\\s+fail\\s+4/5\\s+2\\s+`));
  });
  test('a run that uses up its budget fails with every vCPU mode, CS:RIP and state', async () => {
    const r = await runScenarioFile(fixture('budget'), { outDir: null });
    expect(r.outcome).toEqual({
      kind: 'fail',
      step: 2,
      stepKind: 'run',
      line: 6,
      column: 5,
      expected: 'idle within 1000 instructions',
      actual:
        'the budget of 1000 instructions was used up; vCPUs: cpu0 real 0000:7c00 running; cpu1 real f000:fff0 wait-for-sipi',
    });
    expect(r.instructions).toBe(1000);
  });
  test('a plugin module adds a step kind through api.addStep', async () => {
    const r = await runScenarioFile(fixture('poke'), { outDir: null });
    expect(r.outcome).toEqual({ kind: 'pass' });
    expect(r.totalSteps).toBe(2);
  });
  test('all passing: exit 0', () => {
    expect(sevlab(fixture('passing'), fixture('poke')).status).toBe(0);
  });
  test('bad options are usage errors (exit 2)', () => {
    expect(sevlab(fixture('passing'), '--shard', '4/3').stderr).toBe(
      'sevlab run: --shard takes I/N with 1 <= I <= N, for example --shard 1/3\n',
    );
    expect(sevlab('no/such/dir').status).toBe(2);
  });
});

describe('outputs', () => {
  test('--json, --junit and --out', () => {
    const dir = tmp();
    const r = sevlab(
      fixture('failing'),
      fixture('passing'),
      '--json',
      '--junit',
      join(dir, 'j.xml'),
      '--out',
      join(dir, 'out'),
    );
    const json = JSON.parse(r.stdout);
    expect([json.passed, json.failed]).toEqual([1, 1]);
    expect(json.scenarios.map((s: { outcome: { kind: string } }) => s.outcome.kind)).toEqual([
      'fail',
      'pass',
    ]);
    expect(json.scenarios[1]).toMatchObject({
      seed: 5,
      steps: 7,
      totalSteps: 7,
      instructions: 4,
      vmgexits: 5,
    });
    const xml = readFileSync(join(dir, 'j.xml'), 'utf8');
    expect(xml).toStartWith(
      '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="sevlab run" tests="2" failures="1" errors="0"',
    );
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml).toContain(
      '<failure message="step 4 (expect): expected reg: cpu0 ax = 0x4321, actual ax = 0x1234" type="expectation">',
    );
    const events = readFileSync(
      join(dir, 'out', fixture('passing').replace(/\.yaml$/, ''), 'events.jsonl'),
      'utf8',
    );
    expect(events.split('\n')[0]).toBe(
      '{"seq":0,"icount":0,"kind":"msr-proto","vcpu":0,"request":"GHCB_MSR_SEV_INFO_REQ","requestValue":"0x2"}',
    );
  });
  test('--seed overrides the machine seed', () => {
    const json = JSON.parse(sevlab(fixture('passing'), '--json', '--seed', '77').stdout);
    expect(json.scenarios[0].seed).toBe(77);
  });
  test('worker threads and the in-process path give the same results, log and trace, byte for byte', () => {
    const a = tmp();
    const b = tmp();
    const files = [fixture('passing'), fixture('failing'), fixture('poke')];
    sevlab(...files, '--jobs', '3', '--trace', join(a, 't.json'), '--out', join(a, 'out'));
    sevlab(...files, '--jobs', '1', '--trace', join(b, 't.json'), '--out', join(b, 'out'));
    const trace = readFileSync(join(a, 't.json'), 'utf8');
    expect(trace).toBe(readFileSync(join(b, 't.json'), 'utf8'));
    const log = (d: string) =>
      readFileSync(join(d, 'out', fixture('passing').replace(/\.yaml$/, ''), 'events.jsonl'), 'utf8');
    expect(log(a)).toBe(log(b));
    expect(checkTrace(trace)).toEqual([]);
  });
});

describe('shards split a library the way Playwright does', () => {
  const items = Array.from({ length: 29 }, (_, i) => i);
  test('three shards are disjoint, cover everything, and differ in size by at most one', () => {
    const shards = [1, 2, 3].map((index) => shardOf(items, { index, total: 3 }));
    expect(shards.map((s) => s.length)).toEqual([9, 10, 10]);
    expect(shards.flat()).toEqual(items);
  });
  test.each(['0/3', '4/3', '1/0', 'a/b', '1-3', '1/3/5'])('%s is not a shard', (s) => {
    expect(parseShard(s)).toBeNull();
  });
  test('parseRunArgs reads every option', () => {
    expect(
      parseRunArgs([
        'a',
        '--jobs',
        '3',
        '--shard',
        '2/4',
        '--seed',
        '9',
        '--out',
        'o',
        '--json',
        '--junit',
        'j',
        '--trace',
        't',
        '--plugin',
        'kexec',
        '--plugin',
        './mine.ts',
        'b',
      ]),
    ).toEqual({
      paths: ['a', 'b'],
      jobs: 3,
      shard: { index: 2, total: 4 },
      seed: 9,
      plugins: ['kexec', resolve('mine.ts')],
      out: 'o',
      json: true,
      junit: 'j',
      trace: 't',
    });
  });
});

describe('--plugin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sevlab-plugin-'));
  const cli = join(import.meta.dir, '../../scripts/cli.ts');
  const core = join(import.meta.dir, '../../core/index.ts');
  Bun.write(
    join(dir, 'hello.ts'),
    `import { definePlugin } from '${core}';
export default definePlugin({
  name: 'hello',
  setup(api) {
    api.addStep({
      kind: 'hello',
      summary: 'logs hello',
      schema: { type: 'string' },
      parse: (v) => String(v),
      run: (v, m) => {
        m.log.append({ kind: 'log', vcpu: null, source: 'hello', message: 'hello ' + v });
        return { ok: true };
      },
    });
  },
});
`,
  );
  Bun.write(
    join(dir, 'hello.yaml'),
    'name: hello\nsteps:\n  - hello: world\n  - expect: { event: { kind: log, message: hello world } }\n',
  );
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [cli, 'run', 'hello.yaml', ...args], { cwd: dir, encoding: 'utf8' });

  test.each([['1'], ['2']])('loads a plugin file into every scenario (--jobs %s)', (jobs) => {
    const r = run('--plugin', './hello.ts', '--jobs', jobs);
    expect(r.stderr).not.toContain('unknown step');
    expect(r.status).toBe(0);
  });
  test('without it the step is unknown: invalid input, exit 2', () => {
    const r = run();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("hello.yaml:3:5: steps[0].hello: unknown step 'hello'");
  });
  test('a plugin whose setup throws is one line before any scenario, exit 2, not one per scenario', async () => {
    await Bun.write(
      join(dir, 'bad', 'throws.ts'),
      `import { definePlugin } from '${core}';\nexport default definePlugin({ name: 'throws', setup() { throw new Error('no VMSA area'); } });\n`,
    );
    for (const n of [1, 2, 3])
      await Bun.write(join(dir, 'many', `s${n}.yaml`), `name: s${n}\nsteps:\n  - run: {}\n`);
    const r = spawnSync(process.execPath, [cli, 'run', 'many', '--plugin', './bad/throws.ts'], {
      cwd: dir,
      encoding: 'utf8',
    });
    const file = join(dir, 'bad', 'throws.ts');
    expect([r.status, r.stdout, r.stderr]).toEqual([
      2,
      '',
      `sevlab run: --plugin ${file}: plugin throws (${file}) failed in setup: no VMSA area\n`,
    ]);
  });
  test('a plugin file that does not exist is one usage line naming it, exit 2', () => {
    const r = run('--plugin', './nope.ts');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `sevlab run: --plugin ${join(dir, 'nope.ts')}: plugin module '${join(dir, 'nope.ts')}' does not exist (looked for ${join(dir, 'nope.ts')})`,
    );
  });
});

describe('sevlab run says where steps wrote their files', () => {
  /** A kdump scenario that writes a vmcore and a host dump, copied to `dir`. */
  function dumpScenario(dir: string): string {
    const file = join(dir, 'dumps.yaml');
    writeFileSync(
      file,
      [
        'name: dumps',
        'machine: { vcpus: 2, memory: 256MiB, ghcb-base: 0x3000000 }',
        'plugins: [kdump]',
        'steps:',
        '  - kdump-load: { boot: a }',
        '  - crash: { cpu: 0 }',
        '  - vmcore: vm.core',
        '  - host-dump: host.core',
        '',
      ].join('\n'),
    );
    return file;
  }

  test('an absolute scenario path under --out DIR is not nested again: DIR/<name>/...', () => {
    const dir = tmp();
    const file = dumpScenario(dir);
    const r = sevlab(file, '--out', dir);
    expect(r.status).toBe(0);
    const at = join(dir, 'dumps');
    expect(existsSync(join(at, 'vm.core'))).toBe(true);
    expect(existsSync(join(at, 'host.core'))).toBe(true);
    expect(existsSync(join(at, 'events.jsonl'))).toBe(true);
    expect(existsSync(join(dir, dir.slice(1)))).toBe(false);
    const scenario = relative(process.cwd(), file);
    expect(r.stdout.split('\n').slice(-4)).toEqual([
      'written by steps:',
      `  ${scenario}: vmcore ${join(at, 'vm.core')}`,
      `  ${scenario}: host-dump ${join(at, 'host.core')}`,
      '',
    ]);
  });

  test('an absolute scenario path outside the working folder and DIR goes to DIR/<folder>/<name>', () => {
    const file = dumpScenario(tmp());
    const out = tmp();
    const r = sevlab(file, '--out', out);
    expect(r.status).toBe(0);
    expect(existsSync(join(out, basename(dirname(file)), 'dumps', 'vm.core'))).toBe(true);
  });

  test('without --out one line says the dumps went with the temporary folders', () => {
    const r = sevlab(dumpScenario(tmp()));
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(
      "2 files written by steps (vmcore, host-dump) went with the run's temporary folders: give --out DIR to keep them",
    );
  });

  test('--json keeps stdout JSON; the list goes to stderr', () => {
    const dir = tmp();
    const r = sevlab(dumpScenario(dir), '--json', '--out', dir);
    expect(JSON.parse(r.stdout).passed).toBe(1);
    expect(r.stderr).toContain(`: vmcore ${join(dir, 'dumps', 'vm.core')}\n`);
  });
});
