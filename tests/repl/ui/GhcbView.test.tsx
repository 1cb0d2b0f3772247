import { expect, test } from 'bun:test';
import { renderToString } from 'ink';
import { hex } from '../../../scripts/repl/numbers.ts';
import { GhcbView } from '../../../scripts/repl/ui/GhcbView.tsx';
import { newSession, ok } from '../helpers.ts';

test("hex prints a 128-bit value whole and a negative one as 64-bit two's complement", () => {
  expect(hex((1n << 115n) | (1n << 114n))).toBe('0xc0000000000000000000000000000');
  expect(hex(-1n)).toBe('0xffffffffffffffff');
});

test('the GHCB pane at 80 columns (24 wide) shows the exit name and the whole valid bitmap', async () => {
  const s = newSession();
  await ok(s, 'vmgexit ap-jump-table get');
  const out = renderToString(<GhcbView session={s} width={24} height={14} />, { columns: 24 });
  expect(out.split('\n').map((l) => l.trimEnd())).toEqual([
    'GHCB cpu0 @fc00000',
    'msr: GHCB GPA 0xfc00000',
    'exit    - 0x80000005',
    'VMGEXIT_AP_JUMP_TABLE',
    'info1   V 0x0',
    'info2   V 0xff00000',
    'scratch - 0x0',
    'rax     V 0x0',
    'rbx     V 0x0',
    'rcx     V 0x0',
    'rdx     V 0x0',
    'valid 127:64, 63:0',
    '  0x18000e00000000',
    '  0x8000000000000000',
  ]);
  const wide = renderToString(<GhcbView session={s} width={60} height={14} />, { columns: 60 });
  expect(wide).toContain('\nSVM_VMGEXIT_AP_JUMP_TABLE');
  expect(wide).toContain('\nvalid   0x18000e000000008000000000000000');
});
