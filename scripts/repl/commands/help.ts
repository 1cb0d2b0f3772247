import { CommandError } from '../../../core/index.ts';
import { arg, usageOf } from '../grammar.ts';
import { type CommandRow, GROUPS, row } from '../row.ts';
import type { Session } from '../session.ts';
import { commandTable } from '../table.ts';

const first = (r: CommandRow) => r.name.split(' ')[0]!;

/** `help`: the first words of every command, by group. */
function overview(table: readonly CommandRow[]): string {
  const lines = GROUPS.map((g) => {
    const names = [...new Set(table.filter((r) => r.group === g).map(first))];
    return `${`${g}:`.padEnd(10)}${names.join(' ')}`;
  });
  return [
    ...lines,
    'help NAME shows every form of a command with an example. Tab completes, up/down recall history,',
    'PgUp/PgDn scroll this console, Ctrl+C stops a run, quit (or Ctrl+D) leaves.',
  ].join('\n');
}

/** `help vmgexit`: each form of the command, its summary and example. */
export function helpFor(table: readonly CommandRow[], words: readonly string[]): string {
  const prefix = words.join(' ');
  const rows = table.filter(
    (r) =>
      r.name === prefix ||
      r.name.startsWith(`${prefix} `) ||
      (words.length === 1 && r.aliases?.includes(prefix)),
  );
  if (rows.length === 0)
    throw new CommandError(`there is no command '${prefix}' (help lists them); example: help vmgexit`);
  return rows
    .flatMap((r) => [
      `${usageOf(r.name, r.args)}${r.aliases ? `   (also ${r.aliases.join(', ')})` : ''}${r.owner ? `   [plugin ${r.owner}]` : ''}`,
      `    ${r.summary}`,
      `    example: ${r.example}`,
    ])
    .join('\n');
}

export const helpRows: readonly CommandRow[] = [
  row({
    name: 'help',
    aliases: ['?'],
    group: 'session',
    args: [arg.rest('NAME')],
    summary: 'list the commands, or show every form of one with an example',
    example: 'help x',
    // `help vm` completes to `help vmgexit`, `help vmgexit ap` to its sub-form.
    complete: (words, s: Session) => {
      const typed = words.slice(0, -1);
      return commandTable(s)
        .map((r) => r.name.split(' '))
        .filter((n) => n.length > typed.length && typed.every((w, i) => n[i] === w))
        .map((n) => n[typed.length]!);
    },
    run: (a, s: Session) => {
      const words = a.words('NAME');
      const table = commandTable(s);
      return words.length === 0 ? overview(table) : helpFor(table, words);
    },
  }),
];
