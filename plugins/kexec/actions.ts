/**
 * The plugin's verbs, shared by the REPL commands and the scenario steps: each returns a closed
 * outcome and one line of text for people.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Machine } from '../../core/index.ts';
import { validateBlob } from '../jump-table/index.ts';
import { onlineFlags } from './boot-block.ts';
import { cpuHotplug } from './hotplug.ts';
import { foreignBootRefusal, readKernelImage } from './image.ts';
import { bootKernel, installBlob } from './kernel-boot.ts';
import { kernelStopped, kexecSupported } from './kexec-load.ts';
import { kexecExec } from './machine-kexec.ts';
import { vcpuStates } from './run-until.ts';
import { blobInstalled, kexecSession } from './session.ts';

export type ActionOutcome = { ok: true; text: string; online?: number } | { ok: false; text: string };

const online = (machine: Machine): number => onlineFlags(machine).reduce((n, f) => n + (f ? 1 : 0), 0);

/** Who is still in the old kernel's hands after a hand-over that left CPUs offline. */
function missing(machine: Machine): string {
  const flags = onlineFlags(machine);
  const off = machine.vcpus.filter((v) => flags[v.index] === 0).map((v) => `cpu${v.index}`);
  return off.length ? ` (offline: ${off.join(', ')}; vCPUs: ${vcpuStates(machine)})` : '';
}

export function bootAction(machine: Machine, kernel: string, baseDir: string): ActionOutcome {
  const s = kexecSession(machine);
  const img = readKernelImage(kernel, baseDir, machine.config.memory);
  if (!img.ok) return { ok: false, text: img.message };
  if (img.file.foreign)
    return { ok: false, text: foreignBootRefusal({ ...img.file, foreign: img.file.foreign }) };
  const r = bootKernel(machine, s, img.file);
  if (r.kind === 'failed') return { ok: false, text: r.why };
  const n = online(machine);
  return {
    ok: true,
    online: n,
    text: `kernel ${img.file.name} booted: ${n} of ${r.nrCpus} CPUs online; ${installText(machine)}${missing(machine)}`,
  };
}

function installText(machine: Machine): string {
  const i = kexecSession(machine).install;
  if (!i) return 'no blob install yet';
  if (i.kind === 'installed') return `AP jump table blob installed at 0x${i.state.gpa.toString(16)}`;
  if (i.kind === 'skipped') return `blob not installed (${i.reason})`;
  return `blob not installed: -EINVAL (${i.reason})`;
}

export function kexecLoadAction(
  machine: Machine,
  kernel: string,
  baseDir: string,
  force: boolean,
): ActionOutcome {
  const s = kexecSession(machine);
  if (!s.kernel) return { ok: false, text: 'no kernel is running: boot one first (boot a)' };
  const stopped = kernelStopped(machine, s);
  if (stopped) return { ok: false, text: `${stopped}; no kernel is left to call kexec_load` };
  const img = readKernelImage(kernel, baseDir, machine.config.memory);
  if (!img.ok) return { ok: false, text: img.message };
  const check = kexecSupported(machine, s);
  if (!check.ok && !force) return { ok: false, text: check.message };
  s.loaded = img.file;
  s.forced = !check.ok;
  if (!check.ok) {
    machine.log.append({
      kind: 'log',
      vcpu: null,
      source: 'kexec',
      message: `kexec load of ${img.file.name} forced past ${check.message}`,
    });
    return { ok: true, text: `loaded ${img.file.name} although the kernel refuses (${check.message})` };
  }
  return { ok: true, text: `loaded ${img.file.name} (${check.why})` };
}

export function kexecExecAction(machine: Machine): ActionOutcome {
  const stopped = kernelStopped(machine, kexecSession(machine));
  if (stopped) return { ok: false, text: `${stopped}; no kernel is left to run kexec -e` };
  const r = kexecExec(machine, kexecSession(machine));
  if (r.kind === 'failed') return { ok: false, text: r.why };
  if (r.kind === 'entered')
    return {
      ok: true,
      text:
        `kexec ${r.from} -> ${r.to}: ${r.stopped.cpusOnline} CPU online after the stop; cpu0 entered ` +
        `${r.to} at 0x${r.entry.toString(16)}, which runs on its own (no boot report): run it to see what it does`,
    };
  const n = online(machine);
  return {
    ok: true,
    online: n,
    text:
      `kexec ${r.from} -> ${r.to}: ${r.stopped.cpusOnline} CPU online after the stop; kernel ${r.to} ` +
      `has ${n} of ${r.nrCpus} CPUs online; ${installText(machine)}${missing(machine)}`,
  };
}

export function hotplugAction(machine: Machine, cpu: number, dir: 'down' | 'up'): ActionOutcome {
  const r = cpuHotplug(machine, kexecSession(machine), cpu, dir);
  if (r.kind !== 'done') return { ok: false, text: r.why };
  const n = online(machine);
  const word = dir === 'down' ? 'offline' : 'online';
  const ok = r.online === (dir === 'up');
  return {
    ok,
    online: n,
    text: ok
      ? `cpu${cpu} is ${word} (vCPU ${r.state}); ${n} CPUs online`
      : `cpu${cpu} did not go ${word}: vCPU ${r.state}; ${n} CPUs online${missing(machine)}`,
  };
}

/** Reads and validates a blob file; a valid one replaces the blob the next install copies. */
export function blobLoadAction(
  machine: Machine,
  file: string,
  baseDir: string,
): ActionOutcome & { error?: string } {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(resolve(baseDir, file)));
  } catch (e) {
    return { ok: false, text: `cannot read ${file}: ${(e as Error).message}` };
  }
  const check = validateBlob(bytes);
  if (check.kind === 'error') return { ok: false, error: check.error, text: `${file}: ${check.message}` };
  const s = kexecSession(machine);
  s.blob = check.blob;
  s.blobSource = file;
  const what = `${file}: ${bytes.length} bytes, GDT at 0x${check.blob.gdtOffset.toString(16)}`;
  if (!s.kernel) return { ok: true, text: `${what}; the kernel installs it when it boots` };
  // The install may only run while no AP executes jump-table code (the series installs after SMP bring-up).
  if (machine.vcpus.some((v) => v.state === 'ap-reset-hold'))
    return { ok: true, text: `${what}; a CPU is parked in the page, so the next kernel installs it` };
  installBlob(machine, s);
  return { ok: true, text: `${what}; ${installText(machine)}` };
}

export function statusText(machine: Machine): string {
  const s = kexecSession(machine);
  const check = kexecSupported(machine, s);
  const stopped = kernelStopped(machine, s);
  const terminated = machine.hv.terminated;
  const kernel = !s.kernel
    ? 'none'
    : s.kernel.foreign && !terminated
      ? `${s.kernel.name} (entered by kexec; not a test kernel, so it reports nothing)`
      : stopped
        ? `${s.kernel.name} (stopped: ${stopped})`
        : `${s.kernel.name} (${online(machine)} of ${machine.vcpus.length} CPUs online)`;
  // kexec_load needs a running kernel first; the architecture check matters only then.
  const kexec = stopped
    ? `not possible: ${stopped}`
    : terminated
      ? `not possible: the VM terminated: ${terminated.reason}`
      : check.ok
        ? `allowed (${check.why})`
        : check.message;
  return [
    `kernel: ${kernel}`,
    `loaded: ${s.loaded?.name ?? 'none'}${s.forced ? ' (forced)' : ''}`,
    `blob: ${s.blobSource}; ${blobInstalled(s) ? 'installed' : installText(machine)}`,
    `kexec: ${kexec}`,
    `vCPUs: ${vcpuStates(machine)}`,
  ].join('\n');
}
