/**
 * Loading a user's plugin module: a path (relative to the scenario or the working folder) or a package
 * name, imported through Bun so TypeScript loads as it is. The module exports the plugin as its default
 * export or as `plugin`; anything else is one `PluginError` that names the file and says what to write.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { type Plugin, PluginError } from '../../core/index.ts';

export interface LoadedPlugin {
  // biome-ignore lint/suspicious/noExplicitAny: each plugin has its own options type
  plugin: Plugin<any>;
  /** The absolute file the plugin came from (the package's entry file for a package name). */
  source: string;
}

/** `./x.ts`, `../x.ts`, `/abs/x.ts`, or anything ending in a script extension is a path; else a package. */
export const isPathSpec = (spec: string): boolean =>
  spec.startsWith('./') || spec.startsWith('../') || isAbsolute(spec) || /\.(ts|tsx|js|mjs|cjs)$/.test(spec);

const EXAMPLE = "export default definePlugin({ name: 'my-feature', setup(api) { ... } })";

/** Each load gets a fresh module instance, so `plugin load FILE` after an edit sees the edit. */
let generation = 0;

/** Where the spec points: an existing file, or the reason there is none. */
function locate(spec: string, baseDir: string): { ok: true; file: string } | { ok: false; why: string } {
  if (isPathSpec(spec)) {
    const file = resolve(baseDir, spec);
    if (!existsSync(file))
      return { ok: false, why: `plugin module '${spec}' does not exist (looked for ${file})` };
    if (statSync(file).isDirectory())
      return {
        ok: false,
        why: `plugin ${spec} is a folder (${file}); give the module file, e.g. ${spec}/index.ts`,
      };
    return { ok: true, file };
  }
  try {
    return { ok: true, file: Bun.resolveSync(spec, baseDir) };
  } catch {
    return {
      ok: false,
      why: `plugin package ${spec} is not installed where ${baseDir} can see it; run \`npm install ${spec}\` or give a path such as ./${spec}.ts`,
    };
  }
}

/** A build error's `file:line:column`, when Bun attached one (a syntax error). */
function where(e: unknown): string {
  const p = (e as { position?: { file?: string; line?: number; column?: number } } | null)?.position;
  return p?.line ? ` at line ${p.line}, column ${p.column ?? 0}` : '';
}

/** Checks the module's export; returns the plugin or the sentence that says what is wrong. */
function pick(
  mod: Record<string, unknown>,
): { ok: true; plugin: Plugin<unknown> } | { ok: false; why: string } {
  const exported = mod.default ?? mod.plugin;
  if (exported === undefined)
    return {
      ok: false,
      why: `exports no plugin (no default export and no \`plugin\` export); expected ${EXAMPLE}`,
    };
  if (typeof exported === 'function')
    return {
      ok: false,
      why: `exports a function, not a plugin object; export the object (${EXAMPLE}) or call your factory in the export`,
    };
  if (exported === null || typeof exported !== 'object')
    return { ok: false, why: `exports ${String(exported)} as its plugin; expected ${EXAMPLE}` };
  const p = exported as Partial<Plugin<unknown>>;
  if (typeof p.name !== 'string' || p.name === '')
    return { ok: false, why: `exports a plugin with no name; expected ${EXAMPLE}` };
  if (typeof p.setup !== 'function')
    return { ok: false, why: `exports plugin ${p.name} with no setup(api) function; expected ${EXAMPLE}` };
  return { ok: true, plugin: exported as Plugin<unknown> };
}

/**
 * Resolves `spec` (a path relative to `baseDir`, or a package name), imports it through Bun and checks
 * its shape. Throws one `PluginError` naming the file for a missing file, a syntax or import error, a
 * missing export, name or setup.
 */
export async function loadPluginModule(spec: string, baseDir: string): Promise<LoadedPlugin> {
  const at = locate(spec, baseDir);
  if (!at.ok) throw new PluginError(at.why);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(`${at.file}?sevlab-load=${++generation}`)) as Record<string, unknown>;
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    throw new PluginError(`plugin ${spec} (${at.file}) failed to load${where(e)}: ${text}`);
  }
  const picked = pick(mod);
  if (!picked.ok) throw new PluginError(`plugin ${spec} (${at.file}) ${picked.why}`);
  return { plugin: picked.plugin, source: at.file };
}
