import { Machine, machineConfig } from '../../core/index.ts';
import { prepareScenario } from '../scenario/scenario.ts';
import { formatDiagnostic } from '../scenario/source.ts';
import { OptionError, type ReplOptions } from './options.ts';
import { loadBuiltinPlugins, loadPlugin } from './plugin-loader.ts';
import { Session } from './session.ts';

/** The machine the options describe: a scenario's, or the default one with the given changes. */
async function buildMachine(o: ReplOptions): Promise<{ machine: Machine; boot: boolean }> {
  if (o.scenario !== undefined) {
    const p = await prepareScenario(o.scenario, o.seed !== undefined ? { seed: o.seed } : {});
    if (!p.ok) throw new OptionError(formatDiagnostic(p.error));
    return { machine: p.machine, boot: p.scenario.boot && o.boot };
  }
  const config = machineConfig({
    ...(o.vcpus !== undefined ? { vcpus: o.vcpus } : {}),
    ...(o.sev !== undefined ? { sev: o.sev } : {}),
    ...(o.memory !== undefined ? { memory: o.memory } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.ghcbBase !== undefined ? { ghcbBase: o.ghcbBase } : {}),
    hypervisor: {
      ...(o.protocol ? { protocolMin: o.protocol.min, protocolMax: o.protocol.max } : {}),
      ...(o.cbit !== undefined ? { cbit: o.cbit } : {}),
    },
    ...(o.jumpTable !== undefined ? { firmware: { apJumpTable: o.jumpTable } } : {}),
  });
  try {
    return { machine: new Machine(config), boot: o.boot };
  } catch (e) {
    throw new OptionError((e as Error).message);
  }
}

/**
 * A ready session: machine built, plugins loaded (the scenario's, else every built-in one unless
 * `--no-plugins`; then the `--plugin`s), firmware boot done. Returns lines worth telling the user
 * (plugins that failed).
 */
export async function startSession(o: ReplOptions): Promise<{ session: Session; notes: string[] }> {
  const { machine, boot } = await buildMachine(o);
  const notes: string[] = [];
  if (o.scenario === undefined && !o.noPlugins) notes.push(...loadBuiltinPlugins(machine));
  // `--plugin` adds to what is loaded (the built-ins or the scenario's), as `sevlab run --plugin` does.
  for (const p of o.plugins) {
    try {
      await loadPlugin(machine, p);
    } catch (e) {
      throw new OptionError((e as Error).message);
    }
  }
  if (boot && !machine.boot()) notes.push(`firmware boot stopped the VM: ${machine.hv.terminated?.reason}`);
  return { session: new Session(machine), notes };
}
