/**
 * What a plugin sees: the `PluginApi` its setup registers through, the shapes of what it registers
 * (commands, scenario steps, snapshot state), `definePlugin` and the errors commands throw. The host
 * that applies a plugin to a machine is plugin-host.ts.
 */
import type { MmioDevice } from './devices/mmio-device.ts';
import type { PortDevice } from './devices/port-bus.ts';
import type { PanicHandler } from './guest/panic.ts';
import type { VcHandler } from './guest/vc/types.ts';
import type { ExitRow } from './hypervisor/exit-table.ts';
import type { HostVcpu } from './hypervisor/host-vcpu.ts';
import type { MsrProtocolHandler } from './hypervisor/msr-protocol.ts';
import type { Machine } from './machine.ts';

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
