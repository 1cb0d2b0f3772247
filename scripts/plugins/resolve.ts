/**
 * One way to name a plugin everywhere (a scenario's `plugins:`, `--plugin`, `plugin load`): a built-in
 * plugin by name (plugins/index.ts), else a module path or package name (load.ts).
 */
import { type Machine, PluginError } from '../../core/index.ts';
import { builtinPlugins } from '../../plugins/index.ts';
import { type LoadedPlugin, loadPluginModule } from './load.ts';

/** The built-in plugin called `name`, or undefined. */
export const builtinPlugin = (name: string): LoadedPlugin['plugin'] | undefined =>
  Object.hasOwn(builtinPlugins, name) ? builtinPlugins[name] : undefined;

/** A built-in plugin by name, or the module `spec` points at (relative to `baseDir`). */
export async function resolvePluginSpec(spec: string, baseDir: string): Promise<LoadedPlugin> {
  const builtin = builtinPlugin(spec);
  if (builtin) return { plugin: builtin, source: `built-in ${spec}` };
  return await loadPluginModule(spec, baseDir);
}

/**
 * Resolves `spec` and loads the plugin into `machine` with `options`. Every failure (not found, does
 * not compile, bad shape, a selector conflict, setup throws) is one `PluginError` naming the file, and
 * the machine is left as it was. Returns the plugin's name and source.
 */
export async function usePluginSpec(
  machine: Machine,
  spec: string,
  baseDir: string,
  options: Record<string, unknown> = {},
): Promise<{ name: string; source: string }> {
  const { plugin, source } = await resolvePluginSpec(spec, baseDir);
  try {
    machine.plugins.use(plugin, options, source);
  } catch (e) {
    if (e instanceof PluginError) throw e;
    throw new PluginError(
      `plugin ${plugin.name} (${source}) failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return { name: plugin.name, source };
}
