import { expect, test } from 'bun:test';
import { render } from 'ink-testing-library';
import { App } from '../../../scripts/repl/ui/App.tsx';
import { newSession } from '../helpers.ts';

const settle = () => new Promise((r) => setTimeout(r, 30));

async function type(stdin: { write(s: string): void }, text: string): Promise<void> {
  stdin.write(text);
  await settle();
}

test('typing a command runs it: the console shows the output and the memory pane follows', async () => {
  const s = newSession();
  const app = render(<App session={s} history={[]} historyFile={null} />);
  await settle();
  expect(app.lastFrame()).toContain('(sevlab)');
  expect(app.lastFrame()).toContain(
    'sevlab repl: 4 vCPUs, SEV-ES. Type help for the commands, quit to leave.',
  );
  await type(app.stdin, 'set u32 0x1000 = 0xdeadbeef');
  await type(app.stdin, '\r');
  await type(app.stdin, 'x/1xw 0x1000');
  await type(app.stdin, '\r');
  const frame = app.lastFrame()!;
  expect(frame).toContain('(sevlab) x/1xw 0x1000');
  expect(frame).toContain('0x00001000: 0xdeadbeef');
  expect(frame).toContain('memory virtual 0x1000');
  expect(frame).toContain('0x00001000  ef be ad de');
  app.unmount();
});

test('a VMGEXIT shows in the event log pane and the GHCB pane', async () => {
  const s = newSession();
  const app = render(<App session={s} history={[]} historyFile={null} />);
  await settle();
  await type(app.stdin, 'vmgexit cpuid 0x8000001f');
  await type(app.stdin, '\r');
  const frame = app.lastFrame()!;
  expect(frame).toContain('EXIT SVM_EXIT_CPUID info1=0x0');
  expect(frame).toContain('RSLT SVM_EXIT_CPUID ok');
  // The hypervisor cleared the valid bitmap and marked only what it wrote back.
  expect(frame).toContain('exit    - SVM_EXIT_CPUID');
  expect(frame).toContain('rbx     V 0x');
  app.unmount();
});

test('up recalls history, Tab completes, a bad command prints one error line', async () => {
  const s = newSession();
  const app = render(<App session={s} history={['regs', 'vcpu 2']} historyFile={null} />);
  await settle();
  app.stdin.write('\u001b[A');
  await settle();
  expect(app.lastFrame()).toContain('(sevlab) vcpu 2');
  await type(app.stdin, '\r');
  expect(s.selected).toBe(2);
  await type(app.stdin, 'msr-proto sev');
  await type(app.stdin, '\t');
  expect(app.lastFrame()).toContain('(sevlab) msr-proto sev-info');
  await type(app.stdin, '\u0015');
  await type(app.stdin, 'frob');
  await type(app.stdin, '\r');
  expect(app.lastFrame()).toContain("error: unknown command 'frob' (help lists them); example: help x");
  app.unmount();
});
