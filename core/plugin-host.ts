import type { MmioDevice } from './devices/mmio-device.ts';
import type { PortDevice } from './devices/port-bus.ts';
import type { VcHandler } from './guest/vc/types.ts';
import type { ExitRow } from './hypervisor/exit-table.ts';
import type { MsrProtocolHandler } from './hypervisor/msr-protocol.ts';
import type { Machine } from './machine.ts';

/** A user-facing command a plugin adds to the REPL (`kexec load FILE`, `blob show`, ...). */
export interface PluginCommand {
  /** The first word(s) typed, e.g. `kexec`. */
  name: string;
  summary: string;
  /** Usage with an example, shown by `help NAME` and after a bad argument. */
  usage: string;
  /** Returns the text to print; throw a `CommandError` for bad input (state must then be unchanged). */
  run(args: string[], machine: Machine): string | Promise<string>;
  /** Completions for the word being typed. */
  complete?(args: string[], machine: Machine): string[];
}

/** A scenario step kind a plugin adds; `parse` validates the YAML value and names the bad field. */
export interface PluginStep<T = unknown> {
  kind: string;
  summary: string;
  /** JSON Schema of the step's value, merged into scenarios/schema.json. */
  schema: Record<string, unknown>;
  parse(value: unknown, path: string): T;
  run(value: T, machine: Machine, ctx: StepContext): StepOutcome | Promise<StepOutcome>;
}

export interface StepContext {
  /** Folder of the scenario file (relative paths in steps resolve against it). */
  baseDir: string;
  /** Folder for artifacts (`--out`), or null. */
  outDir: string | null;
}

export type StepOutcome = { ok: true; note?: string } | { ok: false; expected: string; actual: string };

export interface RegisterOptions {
  /** Take over a selector that core or another plugin already handles: this handler runs first. */
  override?: boolean;
}

/** Everything `setup(api)` may do. Each registration is undone if setup throws or runs again. */
export interface PluginApi {
  readonly machine: Machine;
  /** Hypervisor side: a VMGEXIT exit code with its validation and handler. */
  onVmgexit(row: ExitRow, opts?: RegisterOptions): void;
  /** Hypervisor side: a GHCB MSR protocol request code. */
  onMsrProtocol(handler: MsrProtocolHandler, opts?: RegisterOptions): void;
  /** Guest side: a #VC handler for an exit code. */
  onVc(handler: VcHandler, opts?: RegisterOptions): void;
  addPortDevice(base: number, count: number, device: PortDevice): void;
  addMmioDevice(gpa: number, length: number, device: MmioDevice): void;
  addCommand(command: PluginCommand): void;
  addStep(step: PluginStep<never>): void;
  /** Sets bits in the hypervisor feature bitmap (HV_FT_RESP / SVM_VMGEXIT_HV_FEATURES). */
  advertiseFeatures(bits: bigint): void;
  /** A line in the event log attributed to this plugin. */
  log(message: string): void;
}

export interface Plugin<O = Record<string, unknown>> {
  name: string;
  setup(api: PluginApi, options: O): void;
}

/** Typed factory for plugin authors: `export default definePlugin({ name, setup(api, options) {...} })`. */
export const definePlugin = <O = Record<string, unknown>>(plugin: Plugin<O>): Plugin<O> => plugin;

/** A plugin failed to load or set up; the message names the plugin (and its file, when known). */
export class PluginError extends Error {
  override name = 'PluginError';
}

/** A REPL command or step was given bad arguments; the message says what and shows the right form. */
export class CommandError extends Error {
  override name = 'CommandError';
}

interface Owned {
  owner: string;
}

/**
 * Loads plugins into a machine in the shape of Bun's and esbuild's plugins. Every registration is
 * remembered per plugin so a second `setup` first undoes the first, and a setup that throws leaves the
 * machine as it was.
 */
export class PluginHost {
  private readonly undo = new Map<string, Array<() => void>>();
  readonly commands = new Map<string, PluginCommand & Owned>();
  readonly steps = new Map<string, PluginStep<unknown> & Owned>();
  private readonly claimed = new Map<string, string>();

  constructor(private readonly machine: Machine) {}

  loaded(): string[] {
    return [...this.undo.keys()];
  }

  use<O>(plugin: Plugin<O>, options: O = {} as O, source = ''): void {
    const where = source ? ` (${source})` : '';
    if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string' || plugin.name === '')
      throw new PluginError(`plugin${where} has no name: export { name: 'my-plugin', setup(api) {...} }`);
    if (typeof plugin.setup !== 'function')
      throw new PluginError(`plugin ${plugin.name}${where} has no setup(api) function`);
    this.remove(plugin.name);
    const undos: Array<() => void> = [];
    const api = this.apiFor(plugin.name, undos);
    try {
      plugin.setup(api, options);
    } catch (e) {
      for (const u of undos.reverse()) u();
      throw new PluginError(
        `plugin ${plugin.name}${where} failed in setup: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    this.undo.set(plugin.name, undos);
  }

  remove(name: string): void {
    const undos = this.undo.get(name);
    if (!undos) return;
    for (const u of undos.reverse()) u();
    this.undo.delete(name);
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
    const hex = (n: number) => `0x${n.toString(16)}`;
    return {
      machine: m,
      onVmgexit: (row, opts) => {
        this.claim(owner, `VMGEXIT ${hex(row.exitCode)}`, opts, m.hv.knowsExit(row.exitCode), undos);
        undos.push(m.hv.addExit(row, opts?.override === true));
      },
      onMsrProtocol: (h, opts) => {
        this.claim(owner, `MSR protocol request ${hex(h.code)}`, opts, m.hv.knowsMsrProtocol(h.code), undos);
        undos.push(m.hv.addMsrProtocol(h.code, h, opts?.override === true));
      },
      onVc: (h, opts) => {
        this.claim(owner, `#VC ${hex(h.exitCode)}`, opts, m.kernel.knowsVc(h.exitCode), undos);
        undos.push(m.kernel.addVcHandler(h, opts?.override === true));
      },
      addPortDevice: (base, count, device) => {
        undos.push(m.ports.add(base, count, device));
      },
      addMmioDevice: (gpa, length, device) => {
        m.memory.addMmio(gpa, length, device);
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
        const before = m.hv.config.hvFeatures;
        m.hv.config.hvFeatures = before | bits;
        undos.push(() => {
          m.hv.config.hvFeatures = before;
        });
      },
      log: (message) => {
        m.log.append({ kind: 'log', vcpu: null, source: owner, message });
      },
    };
  }
}
