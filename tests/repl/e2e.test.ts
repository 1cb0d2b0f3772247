/**
 * The REPL in a real terminal: tmux runs `bun scripts/cli.ts repl` detached at 100x30; keys go in with
 * send-keys and the screen comes back with capture-pane.
 */
import { expect, test } from 'bun:test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dir, '../..');
const session = `sevlab-repl-e2e-${process.pid}`;
// A private tmux server: the test neither touches the user's sessions nor races a server that is
// shutting down after someone else's last session ended.
const SOCKET = `sevlab-e2e-${process.pid}`;
const tmux = (...args: string[]) => {
  const r = Bun.spawnSync(['tmux', '-L', SOCKET, ...args]);
  if (r.exitCode !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout.toString();
};
const screen = () => tmux('capture-pane', '-p', '-t', session);

/** Polls the screen until `pred` holds (a real terminal draws asynchronously). */
async function waitFor(pred: (s: string) => boolean, what: string, ms = 4000): Promise<string> {
  const end = Date.now() + ms;
  let s = '';
  while (Date.now() < end) {
    s = screen();
    if (pred(s)) return s;
    await Bun.sleep(25);
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
}

const keys = (...k: string[]) => tmux('send-keys', '-t', session, ...k);
const promptLine = (s: string) =>
  s
    .split('\n')
    .findLast((l) => l.startsWith('(sevlab)'))
    ?.trimEnd() ?? '';

test('start, poke memory, read it back, VMGEXIT in the log, history, completion, resize, quit', async () => {
  const history = join(mkdtempSync(join(tmpdir(), 'sevlab-e2e-')), 'history');
  tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '100',
    '-y',
    '30',
    '-c',
    root,
    // CI=true as CI machines set it: the UI must still draw on a terminal (Ink's is-in-ci guess would
    // hold every frame back until exit).
    `CI=true SEVLAB_HISTORY=${history} ${process.execPath} scripts/cli.ts repl`,
  );
  try {
    // The first start may transpile everything cold on a busy CI machine.
    await waitFor((s) => promptLine(s) === '(sevlab)', 'the first prompt', 15000);
    expect(screen()).toContain('sevlab repl  4 vCPUs  SEV-ES  GHCB v2 (hv 1..2)');

    keys('set u32 0x2000 = 0xcafef00d', 'Enter');
    await waitFor((s) => s.includes('0x2000 <- 0xcafef00d'), 'the store');
    keys('x/2xw 0x2000', 'Enter');
    await waitFor((s) => s.includes('0x00002000: 0xcafef00d 0x00000000'), 'the read back');
    expect(screen()).toContain('memory virtual 0x2000');

    keys('vmgexit ap-jump-table get', 'Enter');
    let s = await waitFor((x) => x.includes('jump table GPA 0xff00000'), 'the VMGEXIT result');
    expect(s).toContain('EXIT SVM_VMGEXIT_AP_JUMP_TABLE info1=0x1');
    expect(s).toContain('RSLT SVM_VMGEXIT_AP_JUMP_TABLE ok');

    keys('Up', 'Up');
    await waitFor((x) => promptLine(x) === '(sevlab) x/2xw 0x2000', 'history recall');
    keys('C-u', 'msr-proto sev', 'Tab');
    await waitFor((x) => promptLine(x) === '(sevlab) msr-proto sev-info', 'completion');
    keys('Enter');
    await waitFor((x) => x.includes('-> GHCB_MSR_SEV_INFO_RESP max=2 min=1 cbit=51'), 'the MSR exchange');

    tmux('resize-window', '-t', session, '-x', '80', '-y', '24');
    s = await waitFor(
      (x) => x.split('\n').length <= 25 && x.includes('vCPUs 0-3 of 4') && promptLine(x) === '(sevlab)',
      'the 80x24 redraw',
    );
    expect(s.split('\n').every((l) => l.length <= 80)).toBe(true);

    keys('quit', 'Enter');
    const gone = () => Bun.spawnSync(['tmux', '-L', SOCKET, 'has-session', '-t', session]).exitCode !== 0;
    for (let i = 0; i < 100 && !gone(); i++) await Bun.sleep(30);
    expect(gone()).toBe(true);
    expect(readFileSync(history, 'utf8')).toBe(
      'set u32 0x2000 = 0xcafef00d\nx/2xw 0x2000\nvmgexit ap-jump-table get\nmsr-proto sev-info\nquit\n',
    );
  } finally {
    Bun.spawnSync(['tmux', '-L', SOCKET, 'kill-server']);
  }
}, 30000);
