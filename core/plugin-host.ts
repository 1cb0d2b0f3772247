/**
 * Applies plugins to a machine: every registration through `PluginApi` is remembered per plugin, so a
 * second setup undoes the first and a setup that throws leaves the machine as it was.
 */
import type { Machine } from './machine.ts';
import {
  type Plugin,
  type PluginApi,
  type PluginCommand,
  PluginError,
  type PluginState,
  type PluginStates,
  type PluginStep,
  type RegisterOptions,
  unknownOption,
} from './plugin-api.ts';
import {
  guardExitRow,
  guardInitHandler,
  guardMmioDevice,
  guardMsrProtocol,
  guardPanicHandler,
  guardPortDevice,
  guardVcHandler,
  type PluginFailureReport,
} from './plugin-guard.ts';

interface Owned {
  owner: string;
}

interface Loaded {
  // biome-ignore lint/suspicious/noExplicitAny: each plugin has its own options type
  plugin: Plugin<any>;
  options: unknown;
  source: string;
  undos: Array<() => void>;
}

/**
 * Loads plugins into a machine in the shape of Bun's and esbuild's plugins. Every registration is
 * remembered per plugin so a second `setup` first undoes the first, and a setup that throws leaves the
 * machine as it was (a plugin it was replacing is loaded again).
 */
export class PluginHost {
  private readonly entries = new Map<string, Loaded>();
  readonly commands = new Map<string, PluginCommand & Owned>();
  readonly steps = new Map<string, PluginStep<unknown> & Owned>();
  private readonly claimed = new Map<string, string>();
  /** Registered `onSnapshot` state by key, with how many loaded plugins registered it. */
  private readonly states = new Map<string, { state: PluginState<unknown>; holders: number }>();

  constructor(private readonly machine: Machine) {}

  /** Names of the loaded plugins, in load order. */
  loaded(): string[] {
    return [...this.entries.keys()];
  }

  /** The loaded plugins with where each came from (a file, a package, `built-in NAME`). */
  list(): Array<{ name: string; source: string }> {
    return [...this.entries.entries()].map(([name, e]) => ({ name, source: e.source }));
  }

  /**
   * Runs `plugin.setup` against this machine. Throws a `PluginError` naming the plugin and `source`
   * when the plugin has no name or setup, or when setup throws (a selector conflict included); the
   * machine is then as it was.
   */
  use<O>(plugin: Plugin<O>, options: O = {} as O, source = ''): void {
    const where = source ? ` (${source})` : '';
    if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string' || plugin.name === '')
      throw new PluginError(`plugin${where} has no name: export { name: 'my-plugin', setup(api) {...} }`);
    if (typeof plugin.setup !== 'function')
      throw new PluginError(`plugin ${plugin.name}${where} has no setup(api) function`);
    const unknown = unknownOption(plugin as Plugin<never>, options);
    if (unknown) throw new PluginError(`${unknown.message}${where}`);
    const previous = this.entries.get(plugin.name);
    // A name clash from another source would silently drop what the user relies on (a built-in's
    // commands and rows); only a reload (the same source or the same plugin object) or an explicit
    // override replaces.
    const reload = previous && (previous.source === source || previous.plugin === plugin);
    if (previous && !reload && plugin.override !== true)
      throw new PluginError(
        `plugin ${plugin.name}${where}: a plugin named ${plugin.name} is already loaded from ${previous.source || 'code'}; unload it first (REPL: plugin unload ${plugin.name}) or set override: true in the plugin to replace it`,
      );
    this.remove(plugin.name);
    const undos: Array<() => void> = [];
    const api = this.apiFor(plugin.name, undos);
    try {
      plugin.setup(api, options);
    } catch (e) {
      for (const u of undos.reverse()) u();
      if (previous) this.restore(plugin.name, previous);
      throw new PluginError(
        `plugin ${plugin.name}${where} failed in setup: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    this.entries.set(plugin.name, { plugin, options, source, undos });
  }

  /** Re-runs a plugin that a failed reload had removed; it loaded before, so it loads again. */
  private restore(name: string, previous: Loaded): void {
    const undos: Array<() => void> = [];
    previous.plugin.setup(this.apiFor(name, undos), previous.options);
    this.entries.set(name, { ...previous, undos });
  }

  /** Each loaded plugin's `onSnapshot` state, saved. */
  saveStates(): PluginStates {
    return new Map([...this.states].map(([key, { state }]) => [key, state.save()]));
  }

  /**
   * Puts saved plugin state back; state absent from `saved` goes back to its initial value. A restore
   * that throws is a `plugin-error` event: the rest of the machine is restored regardless.
   */
  restoreStates(saved: PluginStates): void {
    for (const [key, { state }] of this.states) {
      try {
        state.restore(saved.get(key));
      } catch (e) {
        const message = `restore of ${key} failed: ${e instanceof Error ? e.message : String(e)}`;
        this.machine.log.append({ kind: 'plugin-error', plugin: key.split('#')[0]!, message });
      }
    }
  }

  /** Undoes every registration of the named plugin; nothing happens if it is not loaded. */
  remove(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    for (const u of entry.undos.reverse()) u();
    this.entries.delete(name);
  }

  private claim(
    owner: string,
    selector: string,
    opts: RegisterOptions | undefined,
    coreHas: boolean,
    undos: Array<() => void>,
  ): void {
    const holder = this.claimed.get(selector) ?? (coreHas ? 'core' : undefined);
    if (holder && holder !== owner && !opts?.override)
      throw new Error(`${selector} is already handled by ${holder}; pass { override: true } to run first`);
    const before = this.claimed.get(selector);
    this.claimed.set(selector, owner);
    undos.push(() =>
      before === undefined ? this.claimed.delete(selector) : this.claimed.set(selector, before),
    );
  }

  private apiFor(owner: string, undos: Array<() => void>): PluginApi {
    const m = this.machine;
    let unkeyed = 0;
    const hex = (n: number) => `0x${n.toString(16)}`;
    // What the plugin registers is guarded: a throw is one plugin-error event under the plugin's name.
    const report: PluginFailureReport = (what, e) =>
      m.log.append({
        kind: 'plugin-error',
        plugin: owner,
        message: `${what}: ${e instanceof Error ? e.message : String(e)}`,
      });
    return {
      machine: m,
      onVmgexit: (row, opts) => {
        this.claim(owner, `VMGEXIT ${hex(row.exitCode)}`, opts, m.hv.knowsExit(row.exitCode), undos);
        undos.push(m.hv.addExit(guardExitRow(row, report), opts?.override === true));
      },
      onMsrProtocol: (h, opts) => {
        this.claim(owner, `MSR protocol request ${hex(h.code)}`, opts, m.hv.knowsMsrProtocol(h.code), undos);
        undos.push(m.hv.addMsrProtocol(h.code, guardMsrProtocol(h, report), opts?.override === true));
      },
      onVc: (h, opts) => {
        this.claim(owner, `#VC ${hex(h.exitCode)}`, opts, m.kernel.knowsVc(h.exitCode), undos);
        undos.push(m.kernel.addVcHandler(guardVcHandler(h, report), opts?.override === true));
      },
      onInit: (handler) => {
        undos.push(m.hv.onInit(guardInitHandler(handler, report)));
      },
      onPanic: (handler) => {
        undos.push(m.kernel.addPanicHandler(guardPanicHandler(handler, report)));
      },
      onSnapshot: (state) => {
        const key = state.key ?? `${owner}#${unkeyed++}`;
        const entry = this.states.get(key) ?? { state: state as PluginState<unknown>, holders: 0 };
        entry.holders++;
        this.states.set(key, entry);
        undos.push(() => {
          if (--entry.holders === 0) this.states.delete(key);
        });
      },
      addPortDevice: (base, count, device) => {
        undos.push(m.ports.add(base, count, guardPortDevice(device, report)));
      },
      addMmioDevice: (gpa, length, device) => {
        m.memory.addMmio(gpa, length, guardMmioDevice(device, gpa, report));
        undos.push(() => m.memory.removeMmio(gpa));
      },
      addCommand: (c) => {
        this.claim(owner, `command ${c.name}`, undefined, false, undos);
        this.commands.set(c.name, { ...c, owner });
        undos.push(() => this.commands.delete(c.name));
      },
      addStep: (s) => {
        this.claim(owner, `step ${s.kind}`, undefined, false, undos);
        this.steps.set(s.kind, { ...(s as PluginStep<unknown>), owner });
        undos.push(() => this.steps.delete(s.kind));
      },
      advertiseFeatures: (bits) => {
        // Only the bits this call added are taken back, so another plugin's bits survive an undo.
        const added = bits & ~m.hv.config.hvFeatures;
        m.hv.config.hvFeatures |= bits;
        undos.push(() => {
          m.hv.config.hvFeatures &= ~added;
        });
      },
      log: (message) => {
        m.log.append({ kind: 'log', vcpu: null, source: owner, message });
      },
    };
  }
}
