/**
 * The `plugins:` section: each entry is a built-in plugin by name (plugins/index.ts) or a path to a
 * plugin module relative to the scenario (`./my-plugin.ts`, default export or export `plugin`),
 * with its options.
 */
import type { Plugin } from '../../core/index.ts';
import { builtinPlugins } from '../../plugins/index.ts';
import { isPathSpec, loadPluginModule } from '../plugins/load.ts';
import { arr, byType, describe, isMapping, obj, type Schema, str } from './schema/dsl.ts';
import { describeValue, didYouMean, listOf, SchemaError } from './schema/path.ts';

export interface PluginUse {
  name: string;
  options: Record<string, unknown>;
}

/** Integers reach a plugin's options as numbers when they fit one exactly, else as bigints. */
function plainNumbers(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
  if (Array.isArray(v)) return v.map(plainNumbers);
  if (isMapping(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainNumbers(x)]));
  return v;
}

const options: Schema<Record<string, unknown>> = {
  expected: 'a mapping of plugin options',
  json: () => ({ type: 'object' }),
  parse: (v, path) => {
    if (v === null || v === undefined) return {};
    if (!isMapping(v))
      throw new SchemaError(path, `got ${describeValue(v)}; expected a mapping of plugin options`);
    return plainNumbers(v) as Record<string, unknown>;
  },
};

const entry = byType<PluginUse>({
  string: { ...str('a plugin name'), parse: (v, p, c) => ({ name: str().parse(v, p, c), options: {} }) },
  mapping: obj({ required: { name: str('a plugin name') }, optional: { options } }) as Schema<PluginUse>,
});

export const pluginsSection = describe(
  arr(entry),
  `Plugins to load, by built-in name (${Object.keys(builtinPlugins).join(', ') || 'none yet'}) or a module path, with options.`,
);

export type PluginResolution =
  | { ok: true; plugin: Plugin<Record<string, unknown>>; source: string }
  | { ok: false; message: string };

/**
 * A built-in plugin by name, else a module path or an installed package, through the plugin loader
 * (scripts/plugins/load.ts). A name that is neither a built-in nor an installed package gets the
 * built-in names as suggestions.
 */
export async function resolvePlugin(name: string, baseDir: string): Promise<PluginResolution> {
  const builtin = builtinPlugins[name];
  if (builtin) return { ok: true, plugin: builtin, source: `built-in ${name}` };
  try {
    const r = await loadPluginModule(name, baseDir);
    return { ok: true, plugin: r.plugin, source: r.source };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (isPathSpec(name)) return { ok: false, message };
    const names = Object.keys(builtinPlugins);
    return {
      ok: false,
      message: `unknown plugin '${name}'${didYouMean(name, names)}; expected a built-in plugin (${names.length ? listOf(names) : 'none yet'}), an installed package or a module path such as ./my-plugin.ts`,
    };
  }
}
