/**
 * A full GHCB exit on the host side, in KVM's order (sev_handle_vmgexit): snapshot the page once,
 * validate it (sev_es_validate_vmgexit), run the allow-list row for the exit code, then write the
 * verdict and registers back (sev_es_sync_to_ghcb), or hold the vCPU, or stop the VM.
 */
import { hex } from '../event-log.ts';
import { exitCodeName } from '../sev/exit-codes.ts';
import { Ghcb } from '../sev/ghcb.ts';
import { GHCB_PAGE_SIZE } from '../sev/ghcb-layout.ts';
import { GHCB_ERR, GHCB_HV_RESP, ghcbErrName } from '../sev/results.ts';
import type { Vcpu } from '../vcpu.ts';
import type { ExitContext, ExitOutcome, ExitRegs } from './exit-table.ts';
import type { Hypervisor } from './hypervisor.ts';
import { checkScratch } from './scratch.ts';

interface Finished {
  outcome: ExitOutcome;
  regs: ExitRegs | null;
  info2: bigint;
}

export function handleGhcbExit(hv: Hypervisor, vcpu: Vcpu, gpaValue: bigint): void {
  const gpa = Number(gpaValue);
  // Why: a GHCB GPA of 0 or outside guest memory cannot be mapped; KVM resumes without a response.
  if (gpa === 0 || gpa + GHCB_PAGE_SIZE > hv.memory.size || hv.memory.mmioAt(gpa)) {
    hv.log.append({
      kind: 'log',
      vcpu: vcpu.index,
      source: 'kvm',
      message: `vmgexit: GHCB GPA ${hex(gpa)} is not mappable; resuming without a response`,
    });
    return;
  }
  // Why: snapshot once (valid bitmap first, then only valid fields) and clear the guest's bitmap,
  // so another vCPU rewriting the page mid-exit cannot change what was validated (KVM's fix of the
  // GHCB double-fetch, sev_es_sync_from_ghcb + kvm_ghcb_*_is_valid).
  const shared = hv.memory.sharedPage(gpa);
  const live = shared ?? hv.memory.hvRead(gpa, GHCB_PAGE_SIZE);
  const liveGhcb = new Ghcb(live);
  const snap = hv.takeSnapshotPage();
  liveGhcb.snapshotValidInto(snap);
  const usage = liveGhcb.usage;
  const exitCode = snap.get('sw_exit_code');
  const info1 = snap.get('sw_exit_info_1');
  const info2In = snap.get('sw_exit_info_2');
  const name = exitCodeName(exitCode);
  hv.log.append({
    kind: 'vmgexit',
    vcpu: vcpu.index,
    exitCode: hex(exitCode),
    name,
    exitInfo1: hex(info1),
    exitInfo2: hex(info2In),
  });
  liveGhcb.clearValidBitmap();
  if (!shared) hv.memory.hvWrite(gpa + 0x3f0, live.subarray(0x3f0, 0x400));

  try {
    const outcome = validateAndHandle(hv, vcpu, gpa, shared, snap, usage, exitCode, info1);
    finishExit(hv, vcpu, gpa, name, outcome);
  } finally {
    hv.returnSnapshotPage(snap);
  }
}

/** KVM sev_es_validate_vmgexit, then the handler chain for the exit code. */
function validateAndHandle(
  hv: Hypervisor,
  vcpu: Vcpu,
  gpa: number,
  /** The GHCB page in place when it is shared (it always is for a well-behaved guest). */
  shared: Uint8Array | undefined,
  snap: Ghcb,
  usage: number,
  exitCode: bigint,
  info1: bigint,
): Finished {
  const malformed = (error: number, why: string): Finished => ({
    outcome: { kind: 'malformed', error: error as never, why },
    regs: null,
    info2: 0n,
  });
  if (usage !== 0) return malformed(GHCB_ERR.INVALID_USAGE, `ghcb_usage is ${usage}, expected 0`);
  if (!snap.isValid('sw_exit_code') || !snap.isValid('sw_exit_info_1') || !snap.isValid('sw_exit_info_2'))
    return malformed(
      GHCB_ERR.MISSING_INPUT,
      'sw_exit_code, sw_exit_info_1 and sw_exit_info_2 must all be valid',
    );
  const rows = exitCode <= 0xffffffffn ? hv.exitRows(Number(exitCode)) : undefined;
  if (!rows || rows.length === 0)
    return malformed(GHCB_ERR.INVALID_EVENT, `unknown exit code ${hex(exitCode)}`);

  const regs: ExitRegs = {
    rax: snap.get('rax'),
    rbx: snap.get('rbx'),
    rcx: snap.get('rcx'),
    rdx: snap.get('rdx'),
  };
  for (const row of rows) {
    const missing = (row.requires?.(snap) ?? []).filter((f) => !snap.isValid(f));
    if (missing.length) return malformed(GHCB_ERR.MISSING_INPUT, `${row.name} needs ${missing.join(', ')}`);
    let scratch: { gpa: number; bytes: Uint8Array; inPlace: boolean } | null = null;
    const len = row.scratchLength?.(snap) ?? null;
    if (len !== null) {
      const check = checkScratch(
        snap.get('sw_scratch'),
        len,
        gpa,
        (g, l) => g + l <= hv.memory.size && !hv.memory.mmioAt(g),
      );
      if (!check.ok) return malformed(check.error, check.why);
      // KVM setup_vmgexit_scratch: a scratch area inside the GHCB is used where it is (ghcb_sa points
      // into the mapped page); one elsewhere is copied in, and read results are copied back.
      const at = check.gpa - gpa;
      scratch =
        check.inGhcb && shared
          ? { gpa: check.gpa, bytes: shared.subarray(at, at + Number(len)), inPlace: true }
          : { gpa: check.gpa, bytes: hv.memory.hvRead(check.gpa, Number(len)), inPlace: false };
    }
    const hostile = hv.config.hostile.injectException;
    if (hostile && hostile.exitCode === Number(exitCode))
      return { outcome: { kind: 'exception', eventInjection: hostile.eventInjection }, regs, info2: 0n };
    const ctx: ExitContext = {
      hv,
      vcpu: hv.vcpus[vcpu.index]!,
      exitCode: Number(exitCode),
      exitInfo1: info1,
      ghcbGpa: gpa,
      ghcb: snap,
      regs,
      exitInfo2: 0n,
      readScratch: (n) => {
        if (!scratch || n > scratch.bytes.length)
          throw new Error(
            `${row.name} read ${n} scratch bytes; only ${scratch?.bytes.length ?? 0} were validated`,
          );
        return scratch.bytes.subarray(0, n);
      },
      writeScratch: (bytes) => {
        if (!scratch || bytes.length > scratch.bytes.length)
          throw new Error(
            `${row.name} wrote ${bytes.length} scratch bytes; only ${scratch?.bytes.length ?? 0} were validated`,
          );
        if (scratch.inPlace) scratch.bytes.set(bytes);
        else hv.memory.hvWrite(scratch.gpa, bytes);
      },
    };
    let outcome: ExitOutcome;
    try {
      outcome = row.handle(ctx);
    } catch (e) {
      hv.pluginFailed(`${row.name} handler`, e);
      continue;
    }
    return { outcome, regs, info2: ctx.exitInfo2 };
  }
  return malformed(GHCB_ERR.INVALID_EVENT, `no handler claimed ${hex(exitCode)}`);
}

/** Writes the verdict and registers back into the GHCB (KVM sev_es_sync_to_ghcb) or holds/stops. */
function finishExit(hv: Hypervisor, vcpu: Vcpu, gpa: number, name: string, f: Finished): void {
  const o = f.outcome;
  if (o.kind === 'terminate') {
    hv.terminate(vcpu, o.set, o.code, `${name}: ${o.why}`);
    return;
  }
  const shared = hv.memory.sharedPage(gpa);
  const page = shared ?? hv.memory.hvRead(gpa, GHCB_PAGE_SIZE);
  const g = new Ghcb(page);
  let info1 = BigInt(GHCB_HV_RESP.NO_ACTION);
  let info2 = f.info2;
  let result: 'ok' | 'exception' | 'malformed' = 'ok';
  let error: string | undefined;
  if (o.kind === 'malformed') {
    info1 = BigInt(GHCB_HV_RESP.MALFORMED_INPUT);
    info2 = BigInt(o.error);
    result = 'malformed';
    error = `${ghcbErrName(o.error)} (${o.why})`;
  } else if (o.kind === 'exception') {
    info1 = BigInt(GHCB_HV_RESP.ISSUE_EXCEPTION);
    info2 = o.eventInjection;
    result = 'exception';
  }
  if (f.regs) {
    const unmarked = hv.config.hostile.cpuidUnmarkedOutputs ?? [];
    for (const r of ['rax', 'rbx', 'rcx', 'rdx'] as const) {
      if (name === 'SVM_EXIT_CPUID' && unmarked.includes(r)) continue;
      g.set(r, f.regs[r]);
    }
  }
  g.set('sw_exit_info_1', info1);
  g.set('sw_exit_info_2', info2);
  if (!shared) hv.memory.hvWrite(gpa, page);
  hv.log.append({
    kind: 'vmgexit-result',
    vcpu: vcpu.index,
    name,
    result,
    exitInfo1: hex(info1),
    exitInfo2: hex(info2),
    ...(error ? { error } : {}),
  });
  if (o.kind === 'hold') {
    vcpu.holdForm = 'ghcb';
    vcpu.holdGhcbGpa = gpa;
    hv.setState(vcpu, 'ap-reset-hold', 'AP reset hold (GHCB form)');
  }
}
