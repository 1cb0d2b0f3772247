import type { MmioDevice } from './devices/mmio-device.ts';
import type { PortDevice } from './devices/port-bus.ts';
import type { PanicHandler } from './guest/panic.ts';
import type { VcHandler } from './guest/vc/types.ts';
import type { ExitRow } from './hypervisor/exit-table.ts';
import type { HostVcpu } from './hypervisor/host-vcpu.ts';
import type { MsrProtocolHandler } from './hypervisor/msr-protocol.ts';
import type { Machine } from './machine.ts';
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

/**
 * A user-facing command a plugin adds to the REPL (`kexec load FILE`, `blob show`, ...).
 *
 * @example
 * api.addCommand({
 *   name: 'hello',
 *   summary: 'Say hello from a vCPU',
 *   usage: 'hello [VCPU]   example: hello 1',
 *   run: ([vcpu = '0'], machine) => `hello from cpu${machine.vcpu(Number(vcpu)).index}`,
 * });
 */
export interface PluginCommand {
  /** The first word typed, e.g. `kexec`: lower-case, no spaces. */
  name: string;
  /** One line for `help`. */
  summary: string;
  /** Usage with an example, shown by `help NAME` and after a bad argument. */
  usage: string;
  /** Returns the text to print; throw a `CommandError` for bad input (state must then be unchanged). */
  run(args: string[], machine: Machine): string | Promise<string>;
  /** Completions for the word being typed. */
  complete?(args: string[], machine: Machine): string[];
}

/**
 * A scenario step kind a plugin adds. `parse` validates the YAML value before anything runs and names
 * the bad field by throwing an Error whose message starts with the path it was given, extended to the
 * field (`steps[3].hello.vcpu: expected a vCPU index`); `run` acts and reports a closed outcome.
 *
 * @example
 * api.addStep<{ vcpu: number }>({
 *   kind: 'hello',
 *   summary: 'Check that a vCPU is running',
 *   schema: { type: 'object', properties: { vcpu: { type: 'integer' } }, required: ['vcpu'] },
 *   parse(value, path) {
 *     const v = (value ?? {}) as { vcpu?: unknown };
 *     if (typeof v.vcpu !== 'number') throw new Error(`${path}.vcpu: expected a vCPU index such as 1`);
 *     return { vcpu: v.vcpu };
 *   },
 *   run: ({ vcpu }, machine) =>
 *     machine.vcpu(vcpu).state === 'running'
 *       ? { ok: true }
 *       : { ok: false, expected: `cpu${vcpu} running`, actual: machine.vcpu(vcpu).state },
 * });
 */
/** What a step's parse knows of the machine the scenario builds. */
export interface StepMachine {
  /** Bytes of guest RAM. */
  memory: number;
  vcpus: number;
}

export interface PluginStep<T = unknown> {
  /** The key written in the scenario (`- hello: {vcpu: 1}`). */
  kind: string;
  /** One line for `sevlab run --help` and the schema description. */
  summary: string;
  /** JSON Schema of the step's value, merged into scenarios/schema.json. */
  schema: Record<string, unknown>;
  /**
   * Checks and converts the step's value before anything runs; throws with `path` at the start of the
   * message. `machine` tells the size of the machine the scenario builds, so an address or a vCPU
   * number can be refused here rather than halfway through the run.
   */
  parse(value: unknown, path: string, machine: StepMachine): T;
  run(value: T, machine: Machine, ctx: StepContext): StepOutcome | Promise<StepOutcome>;
}

export interface StepContext {
  /** Folder of the scenario file (relative paths in steps resolve against it). */
  baseDir: string;
  /** Folder for artifacts (`--out`), or null. */
  outDir: string | null;
}

/** What a step reports: passed (with an optional note), or what was expected and what happened. */
export type StepOutcome = { ok: true; note?: string } | { ok: false; expected: string; actual: string };

export interface RegisterOptions {
  /**
   * Take over a selector that core or another plugin already handles: this handler runs first. Without
   * it, registering a selector someone else holds fails setup with a message naming both.
   */
  override?: boolean;
}

/**
 * Everything `setup(api)` may do. Registrations are made through this object only, so the host can
 * undo each one: if setup throws, or the plugin is loaded again, the machine is left as it was before.
 * Handlers for one selector run in registration order (overrides first) until one claims the event.
 * A device or handler that throws is one `plugin-error` event (`plugin` = the plugin's name, `message`
 * = what failed and the error) and the machine goes on as without it: the port or MMIO read is all
 * ones, the write is dropped, the next handler (or core) decides.
 */
export interface PluginApi {
  /** The machine the plugin is loaded into: memory, vCPUs, hypervisor and guest-kernel models, log. */
  readonly machine: Machine;
  /**
   * Hypervisor side: a VMGEXIT exit code (a row of KVM's allow-list) with the GHCB fields it requires,
   * an optional scratch area and its handler. An exit code with no row is GHCB_ERR_INVALID_EVENT.
   *
   * @example
   * api.onVmgexit({
   *   exitCode: 0x8000_0f00,
   *   name: 'VENDOR_ECHO',
   *   requires: () => ['rax'],
   *   handle: (ctx) => {
   *     ctx.exitInfo2 = ctx.regs.rax;
   *     return { kind: 'resume' };
   *   },
   * });
   */
  onVmgexit(row: ExitRow, opts?: RegisterOptions): void;
  /**
   * Hypervisor side: a GHCB MSR protocol request code (GHCBInfo, bits 11:0). The handler returns the
   * new MSR value, `null` to claim the request and leave the MSR unchanged, or `undefined` to pass.
   *
   * @example
   * api.onMsrProtocol({ code: 0xf00, name: 'vendor ping', handle: ({ value }) => value | 0x1n });
   */
  onMsrProtocol(handler: MsrProtocolHandler, opts?: RegisterOptions): void;
  /**
   * Guest side: a #VC handler for an exit code (a row of the kernel's vc_handle_exitcode). Return a
   * `VcResult`, or `undefined` to pass to the next handler.
   *
   * @example
   * api.onVc(
   *   { exitCode: 0x81, name: 'vmmcall-nop', handle: () => ({ result: 'ES_OK' }) },
   *   { override: true },
   * );
   */
  onVc(handler: VcHandler, opts?: RegisterOptions): void;
  /**
   * Guest side (hardware-visible): runs after every INIT the vCPU accepts, once core has handled it
   * (KVM kvm_vcpu_reset with init_event, where SNP updates a vCPU's protected state).
   *
   * @example
   * api.onInit((vcpu) => api.log(`cpu${vcpu.index} got INIT`));
   */
  onInit(handler: (vcpu: HostVcpu) => void): void;
  /**
   * Guest side: a handler in the guest kernel's panic() (kernel/panic.c), run after the ones already
   * registered, before the CPU stops. Return `'took-over'` when the handler now owns the CPU (as
   * crash_kexec does when it boots a crash kernel); that ends the chain.
   *
   * @example
   * api.onPanic({ name: 'note', handle: ({ vcpu, message }) => void api.log(`cpu${vcpu.index}: ${message}`) });
   */
  onPanic(handler: PanicHandler): void;
  /**
   * Puts per-machine state the plugin keeps outside guest memory into machine snapshots: the REPL's
   * `snapshot`/`restore`, the scenario steps, and the REPL's undo of a failed plugin command. `save`
   * returns a copy; `restore` puts one back, or gets `undefined` when the snapshot has none (the plugin
   * was loaded after it was taken: go back to the state setup starts from). Give state that several
   * plugins share a `key`.
   *
   * @example
   * const parked = new Set<number>();
   * api.onSnapshot({
   *   save: () => [...parked],
   *   restore: (saved) => {
   *     parked.clear();
   *     for (const cpu of saved ?? []) parked.add(cpu);
   *   },
   * });
   */
  onSnapshot<S>(state: PluginState<S>): void;
  /**
   * A device on `count` I/O ports from `base`; guest IN/OUT (and IOIO exits) reach it.
   *
   * @example
   * api.addPortDevice(0x510, 2, { name: 'fw-cfg', read: () => 0, write: () => {} });
   */
  addPortDevice(base: number, count: number, device: PortDevice): void;
  /**
   * A device behind `length` bytes of guest-physical MMIO from `gpa`; under SEV-ES accesses become
   * MMIO #VCs and SVM_VMGEXIT_MMIO_READ/WRITE exits.
   *
   * @example
   * api.addMmioDevice(0xfed0_0000, 0x1000, { name: 'hpet', read: () => 0n, write: () => {} });
   */
  addMmioDevice(gpa: number, length: number, device: MmioDevice): void;
  /**
   * A REPL command; `help` lists it. Command names are claimed like selectors.
   *
   * @example
   * api.addCommand({ name: 'hello', summary: 'Say hello', usage: 'hello', run: () => 'hello' });
   */
  addCommand(command: PluginCommand): void;
  /**
   * A scenario step kind (see `PluginStep` for a full example). Step kinds are claimed like selectors.
   *
   * @example
   * api.addStep({ kind: 'noop', summary: 'Nothing', schema: {}, parse: () => null, run: () => ({ ok: true }) });
   */
  addStep<T>(step: PluginStep<T>): void;
  /**
   * Sets bits in the hypervisor feature bitmap (GHCB_MSR_HV_FT_RESP / SVM_VMGEXIT_HV_FEATURES). The
   * guest kernel reads the bitmap once, at boot; load the plugin before boot for the guest to see it.
   *
   * @example
   * api.advertiseFeatures(GHCB_HV_FT.SNP_AP_CREATION);
   */
  advertiseFeatures(bits: bigint): void;
  /**
   * A `log` event attributed to this plugin (`source` is the plugin's name).
   *
   * @example
   * api.log('VMSA page reserved at 0x401000');
   */
  log(message: string): void;
}

/** How a plugin's own state goes into machine snapshots (`api.onSnapshot`). */
export interface PluginState<S> {
  /**
   * Names state that several plugins share (each reaches the same object and registers it): it is
   * saved once and restored while any of them is loaded. Without a key, state is the plugin's own.
   */
  key?: string;
  save(): S;
  restore(saved: S | undefined): void;
}

/** Saved plugin state in a machine snapshot, by state key (`plugin#n` for the n-th unkeyed call). */
export type PluginStates = ReadonlyMap<string, unknown>;

/**
 * A plugin: a name and a setup function that registers everything through `api`. `setup` must be safe
 * to run twice (a reload first undoes the previous registrations), so keep per-machine state inside it.
 */
export interface Plugin<O = Record<string, unknown>> {
  /**
   * Unique per machine. Loading a plugin again from the same source (a reload after an edit) replaces
   * it; a plugin of the same name from another source is refused unless it sets `override`.
   */
  name: string;
  /**
   * Replace a loaded plugin of the same name that came from another source (a built-in, another file),
   * instead of being refused.
   */
  override?: boolean;
  /**
   * The option names `setup` reads. Given, an option not in the list (a misspelling) is refused with
   * the list, before setup runs, instead of being ignored.
   */
  optionKeys?: readonly (keyof O & string)[];
  setup(api: PluginApi, options: O): void;
}

/** Why `options` do not suit `plugin` (an option it does not know), or null. */
export function unknownOption(
  plugin: Plugin<never>,
  options: unknown,
): { key: string; message: string } | null {
  const keys = plugin.optionKeys;
  if (!keys || options === null || typeof options !== 'object') return null;
  const key = Object.keys(options).find((k) => !keys.includes(k as never));
  if (key === undefined) return null;
  const known = keys.length ? `expected one of ${keys.join(', ')}` : 'it takes no options';
  return { key, message: `plugin ${plugin.name} has no option '${key}'; ${known}` };
}

/**
 * Typed factory for plugin authors: returns the plugin unchanged, so `api` and `options` are typed in
 * `setup` without annotations.
 *
 * @example
 * import { definePlugin } from '../sevlab/core/index.ts';
 * export default definePlugin<{ greeting?: string }>({
 *   name: 'hello',
 *   setup(api, options) {
 *     api.log(options.greeting ?? 'hello');
 *   },
 * });
 */
export const definePlugin = <O = Record<string, unknown>>(plugin: Plugin<O>): Plugin<O> => plugin;

/** A plugin failed to load or set up; the message names the plugin (and its file, when known). */
export class PluginError extends Error {
  override name = 'PluginError';
}

/**
 * A REPL command was given bad arguments or its request was refused; the message says what and shows
 * the right form. The REPL undoes whatever the command changed before it threw.
 */
export class CommandError extends Error {
  override name = 'CommandError';
}

/**
 * A REPL command ran and what it ran failed (a kernel that did not boot, a kexec that did not hand
 * over): an error like CommandError, and a script stops there, but the machine stays as the failure
 * left it, to be looked at.
 */
export class CommandFailed extends Error {
  override name = 'CommandFailed';
}

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
