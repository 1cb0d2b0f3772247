import { expect, test } from 'bun:test';
import { render } from 'ink-testing-library';
import { App } from '../../../scripts/repl/ui/App.tsx';
import { newSession } from '../helpers.ts';

type Rendered = ReturnType<typeof render>;

/** Ink reads keys and draws on timers: poll until `ok` holds (a busy machine is late, not wrong). */
async function until(ok: () => boolean, what: () => string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(what());
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the last frame shows `text`, and returns that frame. */
async function shows(app: Rendered, text: string): Promise<string> {
  const frame = () => app.lastFrame() ?? '';
  await until(
    () => frame().includes(text),
    () => `the frame never showed ${JSON.stringify(text)}:\n${frame()}`,
  );
  return frame();
}

/** Types `text` and waits until the prompt line echoes it. */
async function type(app: Rendered, text: string): Promise<void> {
  app.stdin.write(text);
  await shows(app, `(sevlab) ${text}`);
}

/** Presses Enter and waits for `text` to appear. */
async function enter(app: Rendered, text: string): Promise<string> {
  app.stdin.write('\r');
  return shows(app, text);
}

test('typing a command runs it: the console shows the output and the memory pane follows', async () => {
  const s = newSession();
  const app = render(<App session={s} history={[]} historyFile={null} />);
  expect(await shows(app, '(sevlab)')).toContain(
    'sevlab repl: 4 vCPUs, SEV-ES. Type help for the commands, quit to leave.',
  );
  await type(app, 'set u32 0x1000 = 0xdeadbeef');
  await enter(app, '0x1000 <- 0xdeadbeef');
  await type(app, 'x/1xw 0x1000');
  const frame = await enter(app, '0x00001000: 0xdeadbeef');
  expect(frame).toContain('(sevlab) x/1xw 0x1000');
  expect(frame).toContain('memory virtual 0x1000');
  expect(frame).toContain('0x00001000  ef be ad de');
  app.unmount();
});

test('a VMGEXIT shows in the event log pane and the GHCB pane', async () => {
  const s = newSession();
  const app = render(<App session={s} history={[]} historyFile={null} />);
  await shows(app, '(sevlab)');
  await type(app, 'vmgexit cpuid 0x8000001f');
  const frame = await enter(app, 'RSLT SVM_EXIT_CPUID ok');
  expect(frame).toContain('EXIT SVM_EXIT_CPUID info1=0x0');
  // The hypervisor cleared the valid bitmap and marked only what it wrote back.
  expect(frame).toContain('exit    - 0x72');
  expect(frame).toMatch(/SVM_EXIT_CPUID *$/m);
  expect(frame).toContain('rbx     V 0x');
  app.unmount();
});

test('up recalls history, Tab completes, a bad command prints one error line', async () => {
  const s = newSession();
  const app = render(<App session={s} history={['regs', 'vcpu 2']} historyFile={null} />);
  await shows(app, '(sevlab)');
  app.stdin.write('\u001b[A');
  await shows(app, '(sevlab) vcpu 2');
  app.stdin.write('\r');
  await until(
    () => s.selected === 2,
    () => `vCPU ${s.selected} is still selected`,
  );
  await type(app, 'msr-proto sev');
  app.stdin.write('\t');
  await shows(app, '(sevlab) msr-proto sev-info');
  app.stdin.write('\u0015');
  await type(app, 'frob');
  await enter(app, "error: unknown command 'frob' (help lists them); example: help x");
  app.unmount();
});

test('an empty Enter repeats the last x, going on after what it showed (gdb)', async () => {
  const s = newSession();
  const app = render(<App session={s} history={[]} historyFile={null} />);
  await shows(app, '(sevlab)');
  await type(app, 'x/2xw 0x2000');
  await enter(app, '0x00002000');
  await enter(app, '0x00002008');
  expect(s.repeatLine).toBe('x/2xw');
  app.unmount();
});
