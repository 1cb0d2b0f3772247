/**
 * What the processor does with a VMSA at VMRUN for an SEV-ES vCPU: it reads the page with the guest's
 * key (the hypervisor cannot read it), checks the state (AMD APM vol. 2, 15.5.1 "Basic Operation",
 * the VMRUN consistency checks) and loads it. This is hardware, not the hypervisor model: it is the
 * one place that reads the private VMSA page. So it reaches the vCPU through the machine, not through
 * the hypervisor's HostVcpu handle, which has no registers under SEV-ES.
 *
 * Modelled: the fields of vmsa.ts (segments, descriptor tables, control and debug registers, EFER,
 * RFLAGS, RIP, the general registers, XCR0, CPL). Everything else starts from the INIT state. Checked:
 * the page is private (a shared page would decrypt to noise), EFER.SVME, CR0.CD/NW, CR0[63:32], and
 * long mode with paging needing CR4.PAE and CR0.PE.
 */
import { type Cpu, GPR64_NAMES, hex, type Machine } from '../../core/index.ts';
import { decodeVmsa, VMSA_PAGE_SIZE, type Vmsa, type VmsaSegmentName } from './vmsa.ts';

export type VmrunResult = { ok: true; vmsa: Vmsa } | { ok: false; why: string };

const EFER_SVME = 1n << 12n;
const EFER_LME = 1n << 8n;
const CR0_PE = 1n;
const CR0_NW = 1n << 29n;
const CR0_CD = 1n << 30n;
const CR0_PG = 1n << 31n;
const CR4_PAE = 1n << 5n;

/** APM 15.5.1: state VMRUN refuses with VMEXIT_INVALID, as a closed list of checks. */
const CONSISTENCY: ReadonlyArray<{ fails: (v: Vmsa) => boolean; why: string }> = [
  { fails: (v) => (v.fields.efer & EFER_SVME) === 0n, why: 'EFER.SVME is clear' },
  { fails: (v) => (v.fields.cr0 & (CR0_CD | CR0_NW)) === CR0_NW, why: 'CR0.NW is set without CR0.CD' },
  { fails: (v) => v.fields.cr0 >> 32n !== 0n, why: 'CR0[63:32] is not zero' },
  {
    fails: (v) =>
      (v.fields.efer & EFER_LME) !== 0n && (v.fields.cr0 & CR0_PG) !== 0n && (v.fields.cr4 & CR4_PAE) === 0n,
    why: 'EFER.LME and CR0.PG are set but CR4.PAE is clear',
  },
  {
    fails: (v) =>
      (v.fields.efer & EFER_LME) !== 0n && (v.fields.cr0 & CR0_PG) !== 0n && (v.fields.cr0 & CR0_PE) === 0n,
    why: 'EFER.LME and CR0.PG are set but CR0.PE is clear',
  },
];

const SEGMENT_REGS: readonly VmsaSegmentName[] = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'ldtr', 'tr'];
const GPRS = GPR64_NAMES;

/** Loads a decoded VMSA into the interpreter, starting from the INIT state for what is not modelled. */
function load(cpu: Cpu, v: Vmsa): void {
  cpu.reset();
  const f = v.fields;
  // Control registers before segments: the mode follows CR0.PE, EFER.LMA and CS.L together.
  cpu.setReg('efer', f.efer);
  cpu.setReg('cr4', f.cr4);
  cpu.setReg('cr3', f.cr3);
  cpu.setReg('cr0', f.cr0);
  for (const name of SEGMENT_REGS) {
    const s = v.segments[name];
    cpu.setSegment(name, { selector: s.selector, base: s.base, limit: s.limit, attributes: s.attrib });
  }
  cpu.gdtr = { base: v.segments.gdtr.base, limit: v.segments.gdtr.limit };
  cpu.idtr = { base: v.segments.idtr.base, limit: v.segments.idtr.limit };
  for (const r of GPRS) cpu.setReg(r, f[r]);
  cpu.setReg('rflags', f.rflags);
  cpu.setReg('rip', f.rip);
  cpu.setReg('dr6', f.dr6);
  cpu.setReg('dr7', f.dr7);
  cpu.setReg('cr2', f.cr2);
  cpu.setReg('xcr0', f.xcr0);
  // CPL is its own VMSA field; real mode has CPL 0 whatever it says.
  if ((f.cr0 & CR0_PE) !== 0n) cpu.cpl = Number(f.cpl & 3n);
}

/**
 * VMRUN of `vcpu` from the VMSA page at `gpa`. On success the vCPU's registers are the VMSA's; on
 * failure (VMEXIT_INVALID) they are untouched and `why` says which check failed.
 */
export function vmrunFromVmsa(machine: Machine, vcpu: number, gpa: number): VmrunResult {
  if (!machine.memory.isEncrypted(gpa))
    return { ok: false, why: `the VMSA page ${hex(gpa)} is shared, so the guest key decrypts it to noise` };
  const vmsa = decodeVmsa(machine.memory.read(gpa, VMSA_PAGE_SIZE));
  const bad = CONSISTENCY.find((c) => c.fails(vmsa));
  if (bad) return { ok: false, why: bad.why };
  const cpu = machine.vcpu(vcpu).cpu;
  const before = cpu.snapshot();
  try {
    load(cpu, vmsa);
  } catch (e) {
    cpu.restore(before);
    const text = e instanceof Error ? e.message : ((e as { reason?: string })?.reason ?? String(e));
    return { ok: false, why: `the state does not load: ${text}` };
  }
  return { ok: true, vmsa };
}
