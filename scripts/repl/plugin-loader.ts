import { CommandError, type Machine } from '../../core/index.ts';
import { builtinPlugins } from '../../plugins/index.ts';
import { resolvePlugin } from '../scenario/plugins.ts';

/** Loads a built-in plugin by name or a plugin module by path into the machine. */
export async function loadPlugin(
  machine: Machine,
  name: string,
  options: Record<string, unknown> = {},
): Promise<string> {
  const r = await resolvePlugin(name, process.cwd());
  if (!r.ok) throw new CommandError(`${r.message}; example: plugin load ./my-plugin.ts`);
  try {
    machine.plugins.use(r.plugin, options, r.source);
  } catch (e) {
    throw new CommandError(`${(e as Error).message}; example: plugin load ./my-plugin.ts`);
  }
  return r.plugin.name;
}

/** Every built-in plugin with default options; one that cannot start so is reported, not fatal. */
export function loadBuiltinPlugins(machine: Machine): string[] {
  const problems: string[] = [];
  for (const [name, plugin] of Object.entries(builtinPlugins)) {
    try {
      machine.plugins.use(plugin, {}, `built-in ${name}`);
    } catch (e) {
      problems.push(`plugin ${name} not loaded: ${(e as Error).message}`);
    }
  }
  return problems;
}
