import { describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fails, newSession, ok, run } from '../helpers.ts';

describe('session commands', () => {
  test('snapshot and restore put memory and registers back', async () => {
    const s = newSession();
    await ok(s, 'set u32 0x1000 = 0x11111111');
    expect(await ok(s, 'snapshot a')).toStartWith('snapshot a at 0 instructions, event #');
    await ok(s, 'set u32 0x1000 = 0x22222222');
    await ok(s, 'set $rax = 5');
    expect(await ok(s, 'restore a')).toBe('restored a');
    expect(await ok(s, 'x/1xw 0x1000')).toBe('0x00001000: 0x11111111');
    expect(await ok(s, 'print $rax')).toBe('0x0 (0)');
    expect(await ok(s, 'snapshot')).toBe('a');
  });

  test('log filters by kind and vCPU and decodes MSR-protocol data', async () => {
    const s = newSession();
    const msr = (await ok(s, 'log msr-proto')).split('\n');
    expect(msr[0]).toBe('#0000 cpu0  MSR  GHCB_MSR_SEV_INFO_REQ(0x2)');
    expect(msr[1]).toBe('#0001 cpu0  MSR  -> GHCB_MSR_SEV_INFO_RESP(0x2000133000001) [max=2 min=1 cbit=51]');
    expect(msr.every((l) => l.includes(' MSR '))).toBe(true);
    expect(s.logFilter).toBe('msr-proto');
    expect(await ok(s, 'log cpu3')).toBe("no events match 'cpu3'");
    await ok(s, 'log');
    expect(s.logFilter).toBeNull();
  });

  test('save-log writes JSON lines, or text for .txt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sevlab-repl-'));
    const s = newSession();
    const n = s.machine.log.length;
    expect(await ok(s, `save-log ${join(dir, 't.jsonl')}`)).toBe(
      `wrote ${n} events to ${join(dir, 't.jsonl')}`,
    );
    const lines = readFileSync(join(dir, 't.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines.length).toBe(n);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      seq: 0,
      kind: 'msr-proto',
      request: 'GHCB_MSR_SEV_INFO_REQ',
    });
    await ok(s, `save-log ${join(dir, 't.txt')}`);
    expect(readFileSync(join(dir, 't.txt'), 'utf8').split('\n')[0]).toBe(
      '#0000 cpu0  MSR  GHCB_MSR_SEV_INFO_REQ(0x2)',
    );
  });

  test('assert, echo, history and quit', async () => {
    const s = newSession();
    expect(await ok(s, 'assert $rdx == 0xa00f11')).toBe('ok: 0xa00f11 == 0xa00f11');
    expect(await ok(s, 'echo hello  there')).toBe('hello there');
    s.history.push('a', 'b', 'c');
    expect(await ok(s, 'history 2')).toBe('   2  b\n   3  c');
    expect(await run(s, 'quit')).toEqual({ kind: 'quit', text: 'bye' });
    expect(await run(s, '   # a comment')).toEqual({ kind: 'empty' });
  });

  test('scenario run of a file that is not a scenario is one line and changes nothing', async () => {
    const s = newSession();
    const m = s.machine;
    const msg = await fails(s, 'scenario run /nonexistent/x.yaml');
    expect(msg).toStartWith('/nonexistent/x.yaml:');
    expect(msg).toEndWith('; example: scenario run scenarios/jump-table/table-get-zero.yaml');
    expect(s.machine).toBe(m);
  });
});
