import { describe, expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePlugin } from '../../core/index.ts';
import { candidates, complete } from '../../scripts/repl/complete.ts';
import {
  appendHistory,
  HISTORY_LIMIT,
  historyDown,
  historyPush,
  historyState,
  historyUp,
  readHistory,
} from '../../scripts/repl/history.ts';
import { type KeyInfo, keyActions } from '../../scripts/repl/keys.ts';
import { editLine, lineOf } from '../../scripts/repl/line-editor.ts';
import { commandTable } from '../../scripts/repl/table.ts';
import { inColumns } from '../../scripts/repl/view/columns.ts';
import { newSession } from './helpers.ts';

describe('completion', () => {
  const s = newSession();
  test.each([
    ['vmg', 'vmgexit ', ['vmgexit']],
    ['msr-proto c', 'msr-proto cpuid ', ['cpuid']],
    ['vmgexit ap-j', 'vmgexit ap-jump-table ', ['ap-jump-table']],
    ['vmgexit ap-jump-table ', 'vmgexit ap-jump-table ', ['get', 'set']],
    ['set $ra', 'set $rax ', ['$rax']],
    [
      'set $r1',
      'set $r1',
      [
        ...['$r10', '$r11', '$r12', '$r13', '$r14', '$r15', '$r10d', '$r10w', '$r10b', '$r11d', '$r11w'],
        ...['$r11b', '$r12d', '$r12w', '$r12b', '$r13d', '$r13w', '$r13b', '$r14d', '$r14w', '$r14b'],
        ...['$r15d', '$r15w', '$r15b'],
      ],
    ],
    ['x/4xw $rs', 'x/4xw $rs', ['$rsi', '$rsp']],
    ['set u32 $rs', 'set u32 $rs', ['$rsi', '$rsp']],
    ['help vm', 'help vmgexit ', ['vmgexit']],
    ['help vmgexit ap-j', 'help vmgexit ap-jump-table ', ['ap-jump-table']],
    ['ghcb sw_exit_i', 'ghcb sw_exit_info_', ['sw_exit_info_1', 'sw_exit_info_2']],
    ['msr-proto cpuid 1 e', 'msr-proto cpuid 1 e', ['eax', 'ebx', 'ecx', 'edx']],
    ['set u32 0x10 ', 'set u32 0x10 = ', ['=']],
    ['zzz', 'zzz', []],
  ] as const)('%s', (line, completed, list) => {
    const c = complete(s, line);
    expect(c.line).toBe(completed);
    expect(c.candidates).toEqual([...list]);
  });

  test('the 64-bit registers come first', () => {
    expect(complete(s, 'set $r').candidates.slice(0, 19)).toEqual([
      ...['$rax', '$rbx', '$rcx', '$rdx', '$rsi', '$rdi', '$rbp', '$rsp', '$r8', '$r9', '$r10', '$r11'],
      ...['$r12', '$r13', '$r14', '$r15', '$rip', '$rflags', '$r8d'],
    ]);
  });

  test('plugin commands complete through their own complete()', () => {
    const p = newSession();
    p.machine.plugins.use(
      definePlugin({
        name: 'demo',
        setup(api) {
          api.addCommand({
            name: 'blob',
            summary: 's',
            usage: 'blob show',
            run: () => '',
            complete: () => ['show', 'load'],
          });
        },
      }),
    );
    const t = commandTable(p);
    expect(candidates(t, 'bl', p)).toEqual(['blob']);
    expect(candidates(t, 'blob ', p)).toEqual(['load', 'show']);
    expect(candidates(t, 'blob s', p)).toEqual(['show']);
  });

  test('file names complete from the folder', () => {
    const c = complete(s, 'load scripts/repl/ui/Ap');
    expect(c.line).toBe('load scripts/repl/ui/App.tsx ');
  });
});

describe('history', () => {
  test('up and down walk the entries and keep the line being typed', () => {
    let h = historyState(['a', 'b']);
    let r = historyUp(h, 'draft');
    expect(r.line).toBe('b');
    r = historyUp(r.state, r.line);
    expect(r.line).toBe('a');
    r = historyUp(r.state, r.line);
    expect(r.line).toBe('a');
    r = historyDown(r.state, r.line);
    expect(r.line).toBe('b');
    r = historyDown(r.state, r.line);
    expect(r.line).toBe('draft');
    h = historyPush(r.state, 'c');
    expect(h).toEqual({ entries: ['a', 'b', 'c'], index: 3, draft: '' });
    expect(historyPush(h, 'c').entries).toEqual(['a', 'b', 'c']);
    expect(historyPush(h, '  ').entries).toEqual(['a', 'b', 'c']);
  });

  test('the history file keeps the last entries across sessions', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sevlab-hist-')), 'h');
    expect(readHistory(file)).toEqual([]);
    for (let i = 0; i < 2 * HISTORY_LIMIT + 5; i++) appendHistory(file, `cmd ${i}`);
    const back = readHistory(file);
    expect(back.length).toBe(HISTORY_LIMIT);
    expect(back.at(-1)).toBe(`cmd ${2 * HISTORY_LIMIT + 4}`);
  });
});

describe('line editing and keys', () => {
  test('readline edits', () => {
    let l = lineOf('x/4xw 0x1000');
    l = editLine(l, { kind: 'kill-word' });
    expect(l).toEqual({ text: 'x/4xw ', cursor: 6 });
    l = editLine(editLine(l, { kind: 'home' }), { kind: 'right' });
    l = editLine(l, { kind: 'insert', text: 'p' });
    expect(l).toEqual({ text: 'xp/4xw ', cursor: 2 });
    l = editLine(l, { kind: 'kill-line' });
    expect(l).toEqual({ text: 'xp', cursor: 2 });
    l = editLine(l, { kind: 'backspace' });
    expect(editLine(l, { kind: 'insert', text: 'a\u0007b' })).toEqual({ text: 'xab', cursor: 3 });
  });

  const none: KeyInfo = {
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageUp: false,
    pageDown: false,
    home: false,
    end: false,
    return: false,
    tab: false,
    backspace: false,
    delete: false,
    ctrl: false,
    meta: false,
    escape: false,
  };

  test.each([
    ['a', {}, [{ kind: 'edit', key: { kind: 'insert', text: 'a' } }]],
    ['', { return: true }, [{ kind: 'submit' }]],
    ['', { tab: true }, [{ kind: 'complete' }]],
    ['', { upArrow: true }, [{ kind: 'history-up' }]],
    ['', { pageUp: true }, [{ kind: 'scroll', pages: 1 }]],
    ['', { delete: true }, [{ kind: 'edit', key: { kind: 'backspace' } }]],
    ['c', { ctrl: true }, [{ kind: 'interrupt' }]],
    ['d', { ctrl: true }, [{ kind: 'eof' }]],
    [
      'regs\rvmg\t',
      {},
      [
        { kind: 'edit', key: { kind: 'insert', text: 'regs' } },
        { kind: 'submit' },
        { kind: 'edit', key: { kind: 'insert', text: 'vmg' } },
        { kind: 'complete' },
      ],
    ],
  ] as const)('%p %p', (input, key, actions) => {
    expect(keyActions(input, { ...none, ...key })).toEqual(actions as never);
  });
});

describe('completion candidates in columns', () => {
  test('fill the width down the rows, in their order', () => {
    expect(inColumns(['$rax', '$rbx', '$rcx', '$rdx', '$rsi', '$rdi', '$rbp'], 20)).toEqual([
      '$rax  $rdx  $rbp',
      '$rbx  $rsi',
      '$rcx  $rdi',
    ]);
    expect(inColumns([], 80)).toEqual([]);
    expect(inColumns(['a-long-name'], 4)).toEqual(['a-long-name']);
  });
});
