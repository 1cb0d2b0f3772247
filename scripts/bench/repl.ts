/**
 * REPL speed: (1) start to first prompt in a real terminal (tmux, `bun scripts/cli.ts repl`), and
 * (2) a command's output rendered by the real Ink app on a machine of 1024 vCPUs: time from the
 * command's Enter to the frame that shows its output. Prints JSON; run a few times and keep the median.
 * `bun scripts/bench/repl.ts [--vcpus N] [--runs N]`
 */
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { Machine, machineConfig } from '../../core/index.ts';
import { Session } from '../repl/session.ts';
import { App } from '../repl/ui/App.tsx';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const vcpus = arg('vcpus', 1024);
const runs = arg('runs', 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const root = `${import.meta.dir}/../..`;

async function startToPrompt(): Promise<number> {
  // A private tmux server per start: no race with a server that is still shutting down.
  const name = `sevlab-bench-${process.pid}-${performance.now().toFixed(0)}`;
  const t0 = performance.now();
  Bun.spawnSync([
    'tmux',
    '-L',
    name,
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    '100',
    '-y',
    '30',
    '-c',
    root,
    `SEVLAB_HISTORY=/dev/null ${process.execPath} scripts/cli.ts repl`,
  ]);
  try {
    for (;;) {
      const s = Bun.spawnSync(['tmux', '-L', name, 'capture-pane', '-p', '-t', name]).stdout.toString();
      if (s.split('\n').some((l) => l.trimEnd() === '(sevlab)')) return performance.now() - t0;
      if (performance.now() - t0 > 10_000) throw new Error(`no prompt after 10 s; the screen:\n${s}`);
      await Bun.sleep(2);
    }
  } finally {
    Bun.spawnSync(['tmux', '-L', name, 'kill-server']);
  }
}

const COMMANDS: ReadonlyArray<[string, string]> = [
  ['set u32 0x1000 = 0xdeadbeef', '0x1000 <- 0xdeadbeef'],
  ['x/4xw 0x1000', '0x00001000: 0xdeadbeef'],
  ['vmgexit cpuid 0x8000001f', 'SVM_EXIT_CPUID on cpu0: ES_OK'],
  ['msr-proto sev-info', 'GHCB_MSR_SEV_INFO_RESP max=2'],
  ['vcpu 1000', 'cpu1000 real'],
  ['regs', 'flags  []  ghcb-msr'],
];

async function commandLatency(): Promise<Record<string, number>> {
  const m = new Machine(machineConfig({ vcpus }));
  m.boot();
  const session = new Session(m);
  const app = render(createElement(App, { session, history: [], historyFile: null }));
  await Bun.sleep(50);
  const out: Record<string, number[]> = {};
  for (let r = 0; r < runs; r++) {
    for (const [cmd, expect] of COMMANDS) {
      app.stdin.write(cmd);
      await Bun.sleep(5);
      const before = app.frames.length;
      const t0 = performance.now();
      app.stdin.write('\r');
      for (;;) {
        if (app.frames.length > before && app.lastFrame()?.includes(expect)) break;
        if (performance.now() - t0 > 5000)
          throw new Error(`'${cmd}' never showed '${expect}':\n${app.lastFrame()}`);
        await new Promise((res) => setImmediate(res));
      }
      const times = out[cmd] ?? [];
      times.push(performance.now() - t0);
      out[cmd] = times;
      await ok(session, 'vcpu 0');
    }
  }
  app.unmount();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Number(median(v).toFixed(1))]));
}

async function ok(s: Session, line: string) {
  const { execute } = await import('../repl/execute.ts');
  await execute(s, line);
}

const starts: number[] = [];
for (let i = 0; i < runs; i++) starts.push(await startToPrompt());
const latency = await commandLatency();
console.log(
  JSON.stringify(
    {
      startToPromptMs: {
        median: Number(median(starts).toFixed(0)),
        max: Number(Math.max(...starts).toFixed(0)),
      },
      vcpus,
      commandToFrameMs: latency,
      worstCommandMs: Math.max(...Object.values(latency)),
    },
    null,
    1,
  ),
);
