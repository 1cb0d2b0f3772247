/**
 * The files `sevlab new-plugin NAME` writes: a plugin with an experimental NAE event on both sides
 * (hypervisor exit row, guest helper), a REPL command and a scenario step; a scenario that loads it
 * by path; and a bun test. Each imports sevlab's core through `corePath` (an absolute path), so the
 * three pass where they are written, inside or outside the sevlab folder, and after the folder moves.
 */

/** Plugin names: lower-case words joined by dashes, usable as a file name, a command and a step kind. */
export const PLUGIN_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface ScaffoldFile {
  name: string;
  text: string;
}

/** `my-feature` -> `MY_FEATURE`, for constants. */
const constName = (name: string) => name.toUpperCase().replaceAll('-', '_');

/** `my-feature` -> `myFeature`, for identifiers. */
const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** An exit code the GHCB spec does not assign, marked experimental in every file. */
export const SCAFFOLD_EXIT_CODE = 0x8000_0f00;

function pluginFile(name: string, corePath: string): string {
  const id = camel(name);
  const exitName = `EXPERIMENTAL_${name.toUpperCase().replaceAll('-', '_')}`;
  return `/**
 * Plugin ${name}: an experimental NAE event (exit code 0x${SCAFFOLD_EXIT_CODE.toString(16)}, not assigned by the
 * GHCB spec). The guest puts a value in RAX; the hypervisor answers value + 1 in sw_exit_info_2.
 * Replace the event with your protocol extension; keep the shape: a row on the hypervisor side, a
 * helper on the guest side, a REPL command and a scenario step.
 */
import { CommandError, definePlugin, type Machine } from '${corePath}';

export const ${constName(name)}_EXIT = 0x${SCAFFOLD_EXIT_CODE.toString(16)};

/** Guest side: the request in the vCPU's GHCB, as a kernel helper would send it. */
export function ${id}Call(
  machine: Machine,
  vcpu: number,
  value: bigint,
): { ok: true; answer: bigint } | { ok: false; error: bigint } {
  const exit = machine.kernel.hvCall(machine.vcpu(vcpu), ${constName(name)}_EXIT, 0n, 0n, (g) => g.set('rax', value));
  const { ghcb } = exit;
  // GHCB spec: sw_exit_info_1[31:0] = 0 is success; 2 is malformed input with the reason in info_2.
  if ((ghcb.get('sw_exit_info_1') & 0xffffffffn) !== 0n)
    return { ok: false, error: ghcb.get('sw_exit_info_2') };
  return { ok: true, answer: ghcb.get('sw_exit_info_2') };
}

export interface ${id[0]!.toUpperCase()}${id.slice(1)}Options {
  /** Added to the guest's value (default 1). */
  step?: number;
}

export default definePlugin<${id[0]!.toUpperCase()}${id.slice(1)}Options>({
  name: '${name}',
  setup(api, options) {
    const step = BigInt(options.step ?? 1);
    // Hypervisor side: the allow-list row. RAX must be valid, else GHCB_ERR_MISSING_INPUT.
    api.onVmgexit({
      exitCode: ${constName(name)}_EXIT,
      name: '${exitName}',
      requires: () => ['rax'],
      handle: (ctx) => {
        ctx.exitInfo2 = ctx.regs.rax + step;
        return { kind: 'resume' };
      },
    });
    api.addCommand({
      name: '${name}',
      summary: 'send the experimental ${name} event from vCPU 0',
      usage: '${name} VALUE\\nExample: ${name} 41',
      run: ([word], machine) => {
        if (word === undefined || !/^(0x[0-9a-f]+|[0-9]+)$/i.test(word))
          throw new CommandError(\`VALUE '\${word ?? ''}' is not a number\`);
        const r = ${id}Call(machine, 0, BigInt(word));
        return r.ok ? String(r.answer) : \`error \${r.error}\`;
      },
    });
    api.addStep<{ value: bigint; expect: bigint }>({
      kind: '${name}',
      summary: 'send the experimental ${name} event and check the answer',
      schema: {
        type: 'object',
        required: ['value', 'expect'],
        properties: { value: { type: 'integer' }, expect: { type: 'integer' } },
        additionalProperties: false,
      },
      parse(value, path) {
        const v = (value ?? {}) as Record<string, unknown>;
        // YAML integers arrive as numbers or bigints, hex written as a string as '0x29'.
        const num = (k: string): bigint => {
          const x = v[k];
          if (typeof x === 'number' || typeof x === 'bigint') return BigInt(x);
          if (typeof x === 'string' && /^(0x[0-9a-f]+|[0-9]+)$/i.test(x)) return BigInt(x);
          throw new Error(\`\${path}.\${k}: expected a number such as 41\`);
        };
        return { value: num('value'), expect: num('expect') };
      },
      run(s, machine) {
        const r = ${id}Call(machine, 0, s.value);
        const got = r.ok ? String(r.answer) : \`error \${r.error}\`;
        return got === String(s.expect)
          ? { ok: true }
          : { ok: false, expected: String(s.expect), actual: got };
      },
    });
    api.log('experimental event 0x${SCAFFOLD_EXIT_CODE.toString(16)} ready');
  },
});
`;
}

function scenarioFile(name: string): string {
  return `# The ${name} plugin's experimental event, end to end: \`sevlab run ${name}.yaml\`.
name: ${name} answers value + 1
machine: { vcpus: 1, memory: 64MiB }
plugins: [./${name}.ts]
steps:
  - ${name}: { value: 41, expect: 42 }
  # The event log names exit codes the GHCB spec does not by their hex value.
  - expect:
      event: { kind: vmgexit-result, name: "0x${SCAFFOLD_EXIT_CODE.toString(16)}", result: ok, exitInfo2: 42 }
`;
}

function testFile(name: string, corePath: string): string {
  const id = camel(name);
  return `import { expect, test } from 'bun:test';
import { GHCB_ERR, Machine, machineConfig } from '${corePath}';
import plugin, { ${constName(name)}_EXIT, ${id}Call } from './${name}.ts';

function machine(): Machine {
  const m = new Machine(machineConfig({ vcpus: 1, memory: 64 * 2 ** 20 }));
  m.plugins.use(plugin, {}, './${name}.ts');
  expect(m.boot()).toBe(true);
  return m;
}

test('the guest sends 41 and the hypervisor answers 42', () => {
  expect(${id}Call(machine(), 0, 41n)).toEqual({ ok: true, answer: 42n });
});

test('a request without RAX is GHCB_ERR_MISSING_INPUT', () => {
  const g = machine().rawGhcbExit(0, {
    fields: {
      sw_exit_code: BigInt(${constName(name)}_EXIT),
      sw_exit_info_1: 0n,
      sw_exit_info_2: 0n,
    },
  });
  expect([g.get('sw_exit_info_1'), g.get('sw_exit_info_2')]).toEqual([2n, BigInt(GHCB_ERR.MISSING_INPUT)]);
});

test('the REPL command and the scenario step', async () => {
  const m = machine();
  expect(await m.plugins.commands.get('${name}')!.run(['41'], m)).toBe('42');
  const step = m.plugins.steps.get('${name}')!;
  const value = step.parse({ value: 1, expect: 2 }, 'steps[0].${name}');
  expect(await step.run(value, m, { baseDir: '.', outDir: null })).toEqual({ ok: true });
});
`;
}

/** The three files for plugin `name`, importing core from `corePath` (the absolute path of core/index.ts). */
export function scaffoldFiles(name: string, corePath: string): ScaffoldFile[] {
  return [
    { name: `${name}.ts`, text: pluginFile(name, corePath) },
    { name: `${name}.yaml`, text: scenarioFile(name) },
    { name: `${name}.test.ts`, text: testFile(name, corePath) },
  ];
}
