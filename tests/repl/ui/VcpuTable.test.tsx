import { expect, test } from 'bun:test';
import { renderToString } from 'ink';
import { Pane } from '../../../scripts/repl/ui/Pane.tsx';
import { VcpuTable } from '../../../scripts/repl/ui/VcpuTable.tsx';
import { newSession } from '../helpers.ts';

test('the vCPU table of the default machine', () => {
  const s = newSession();
  const out = renderToString(<VcpuTable session={s} width={40} height={6} />, { columns: 40 });
  expect(out).toBe(
    [
      'vCPUs 0-3 of 4',
      '0 real     f000:fff0 running',
      '1 real     f000:fff0 wait SIPI',
      '2 real     f000:fff0 wait SIPI',
      '3 real     f000:fff0 wait SIPI',
      '',
    ].join('\n'),
  );
});

test('4096 vCPUs: only the window around the selected one is drawn', () => {
  const s = newSession({ vcpus: 4096, memory: 64 * 2 ** 20 });
  s.selected = 2000;
  const out = renderToString(<VcpuTable session={s} width={40} height={4} />, { columns: 40 }).split('\n');
  expect(out).toEqual([
    'vCPUs 1999-2001 of 4096',
    '1999 real     f000:fff0 wait SIPI',
    '2000 real     f000:fff0 wait SIPI',
    '2001 real     f000:fff0 wait SIPI',
  ]);
});

test('a pane crops long lines and extra lines to its size', () => {
  const out = renderToString(<Pane title="t" width={8} height={3} lines={['0123456789', 'ab', 'cd']} />, {
    columns: 8,
  });
  expect(out).toBe('t\n012345…\nab');
});
