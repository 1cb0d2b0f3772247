import { CommandError, CommandFailed, type PluginCommand } from '../../../core/index.ts';
import { arg } from '../grammar.ts';
import { loadPlugin } from '../plugin-loader.ts';
import { type CommandRow, row } from '../row.ts';
import type { Session } from '../session.ts';

/** A usage alternative with nothing left to fill in: no `FILE`-style name, `a|b` choice, `[option]` or path. */
const concrete = (form: string): boolean => !/[A-Z]{2}|\||\[|\.\.\.|path\/to/.test(form);

/**
 * The example of a plugin command: an `Example: ...` in its usage, else the first alternative of a
 * usage line (`cpu offline 2 | cpu online 2`) that starts with the command's name and can be typed as
 * it stands, else the last usage line.
 */
export function exampleOf(c: Pick<PluginCommand, 'name' | 'usage'>): string {
  const marked = [...c.usage.matchAll(/examples?:\s*(.+)$/gim)].at(-1)?.[1];
  if (marked) return marked.trim();
  const lines = c.usage
    .split('\n')
    .map((l) => l.trim().replace(/^usage:?\s*/i, ''))
    .filter((l) => l.startsWith(c.name));
  const forms = lines.flatMap((l) => l.split(/\s+\|\s+/)).filter((f) => f.startsWith(c.name));
  return forms.find(concrete) ?? lines.at(-1) ?? c.name;
}

/**
 * A plugin command as a table row: its words go to the plugin unparsed. A CommandError (or any other
 * throw) puts the machine back as it was before the command, so bad input changes nothing; a
 * CommandFailed is an error that leaves the machine as the failed run left it.
 */
function pluginRow(c: PluginCommand & { owner: string }): CommandRow {
  const example = exampleOf(c);
  return row({
    name: c.name,
    group: 'plugins',
    owner: c.owner,
    args: [arg.rest('ARGS')],
    summary: c.summary,
    example,
    run: async (a, s) => {
      const m = s.machine;
      const before = m.snapshot();
      try {
        return await c.run(a.words('ARGS'), m);
      } catch (e) {
        if (e instanceof CommandFailed) throw e;
        m.restore(before);
        m.log.truncate(before.logLength);
        const text = e instanceof Error ? e.message : String(e);
        if (e instanceof CommandError)
          throw new CommandError(text.includes('example') ? text : `${text}; example: ${example}`);
        throw new CommandError(`plugin ${c.owner} failed: ${text}; example: ${example}`);
      }
    },
    ...(c.complete
      ? { complete: (words: string[], s: Session) => c.complete?.(words, s.machine) ?? [] }
      : {}),
  });
}

export function pluginCommandRows(s: Session): CommandRow[] {
  return [...s.machine.plugins.commands.values()].map(pluginRow);
}

export const pluginRows: readonly CommandRow[] = [
  row({
    name: 'plugins',
    group: 'plugins',
    args: [],
    summary: 'the loaded plugins and the commands each adds',
    example: 'plugins',
    run: (_a, s) => {
      const loaded = s.machine.plugins.loaded();
      if (loaded.length === 0) return 'no plugins loaded (plugin load NAME|FILE)';
      const cmds = [...s.machine.plugins.commands.values()];
      return loaded
        .map((p) => {
          const mine = cmds.filter((c) => c.owner === p).map((c) => c.name);
          return `${p}${mine.length ? `: ${mine.join(', ')}` : ''}`;
        })
        .join('\n');
    },
  }),
  row({
    name: 'plugin load',
    group: 'plugins',
    args: [arg.word('NAME'), arg.opt(arg.word('JSON'))],
    summary: 'load a built-in plugin by name or a plugin module by path, with options as JSON',
    example: `plugin load mmio '{"emulate":true}'`,
    run: async (a, s) => {
      let options: Record<string, unknown> = {};
      if (a.has('JSON')) {
        try {
          options = JSON.parse(a.text('JSON')) as Record<string, unknown>;
        } catch (e) {
          throw new CommandError(
            `JSON: ${(e as Error).message}; example: plugin load mmio '{"emulate":true}'`,
          );
        }
      }
      const name = await loadPlugin(s.machine, a.text('NAME'), options);
      const cmds = [...s.machine.plugins.commands.values()]
        .filter((c) => c.owner === name)
        .map((c) => c.name);
      return `loaded plugin ${name}${cmds.length ? `; commands: ${cmds.join(', ')}` : ''}`;
    },
  }),
  row({
    name: 'plugin unload',
    group: 'plugins',
    args: [arg.word('NAME')],
    summary: 'unload a plugin: its commands, steps, handlers and devices go, its feature bits are cleared',
    example: 'plugin unload mmio',
    run: (a, s) => {
      const name = a.text('NAME');
      const loaded = s.machine.plugins.loaded();
      if (!loaded.includes(name))
        throw new CommandError(
          `no plugin ${name} is loaded (${loaded.length ? loaded.join(', ') : 'none'}); example: plugin unload mmio`,
        );
      s.machine.plugins.remove(name);
      return `unloaded plugin ${name}`;
    },
  }),
];
