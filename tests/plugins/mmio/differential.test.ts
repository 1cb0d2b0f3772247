/**
 * The differential test: the same machine code (harness-16.S, harness-32.S and harness.S covering every
 * MMIO class, operand size, prefix and addressing form in 16-bit protected mode, 32-bit protected mode
 * with flat and based segments, and 64-bit mode, then gcc-compiled driver code) runs in a plain VM,
 * where the interpreter performs each MMIO access itself, and under SEV-ES, where each access is a #VC
 * emulated by the MMIO plugin's handler through the GHCB and the hypervisor. Registers, flags, memory
 * and the device's access log must be identical.
 */
import { beforeAll, describe, expect, test } from 'bun:test';
import { type AccessRecord, Machine, machineConfig } from '../../../core/index.ts';
import { loadKernelSegments } from '../../../plugins/kexec/index.ts';
import { mmioPlugin } from '../../../plugins/mmio/index.ts';
import { buildDifferentialImage, type DifferentialImage } from './differential/build.ts';

const REGFILE = 0x0800_0000;
const GPRS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'].concat(
  Array.from({ length: 8 }, (_, i) => `r${i + 8}`),
);
/** A trace row: the sixteen GPRs (GPRS order), RFLAGS, CS. */
const ROW = { values: 18, rflags: 16, cs: 17 } as const;
/** Checkpoints per code segment (harness-gdt.inc): one per CHECK16, CHECK32, CHECK, plus the driver's. */
const CHECKPOINTS = [
  { mode: '16-bit', cs: 0x20, rows: 60 },
  { mode: '32-bit', cs: 0x08, rows: 62 },
  { mode: '64-bit', cs: 0x18, rows: 87 + 1 },
] as const;

const rowsIn = (trace: bigint[][], cs: number) => trace.filter((row) => row[ROW.cs] === BigInt(cs));

interface Run {
  machine: Machine;
  stop: string;
  regs: Record<string, string>;
  trace: bigint[][];
  image: Uint8Array;
  regfileLog: readonly AccessRecord[];
  regfileBytes: Uint8Array;
  vga: string;
}

function run(img: DifferentialImage, sev: 'none' | 'es'): Run {
  const machine = new Machine(
    machineConfig({
      vcpus: 1,
      memory: 64 * 2 ** 20,
      sev,
      devices: { regfile: { base: REGFILE, size: 0x1000 } },
    }),
  );
  machine.plugins.use(mmioPlugin);
  machine.boot();
  loadKernelSegments(machine.memory, img.bytes, img.image);
  const cpu = machine.vcpu(0).cpu;
  cpu.setReg('cs', img.sym('startup_16') >> 4);
  cpu.setReg('rip', 0);
  const stop = machine.run({ maxInstructions: 2_000_000 });
  const regs = Object.fromEntries(
    [...GPRS, 'rip', 'rflags'].map((r) => [r, `0x${cpu.getReg(r).toString(16)}`]),
  );
  const tracePtr = Number(machine.memory.read64(img.sym('trace_ptr')));
  const trace: bigint[][] = [];
  for (let at = img.sym('trace'); at < tracePtr; at += ROW.values * 8)
    trace.push(Array.from({ length: ROW.values }, (_, i) => machine.memory.read64(at + i * 8)));
  const seg = img.image.segments[0]!;
  return {
    machine,
    stop: stop.kind,
    regs,
    trace,
    image: machine.memory.read(seg.paddr, seg.memsz),
    regfileLog: machine.devices.regfile!.log,
    regfileBytes: machine.devices.regfile!.bytes.slice(),
    vga: machine.devices.vga!.render(),
  };
}

describe('MMIO differential: plain VM against SEV-ES #VC emulation', () => {
  let img: DifferentialImage;
  let plain: Run;
  let es: Run;
  beforeAll(() => {
    img = buildDifferentialImage();
    plain = run(img, 'none');
    es = run(img, 'es');
  });

  test('both runs reach harness_done and halt', () => {
    expect([plain.stop, es.stop]).toEqual(['idle', 'idle']);
    expect(plain.regs.rip).toBe(`0x${(img.sym('harness_done') + 1).toString(16)}`);
    expect(es.regs.rip).toBe(plain.regs.rip);
    expect(es.machine.terminated).toBe(false);
  });

  test('the SEV-ES run emulated its MMIO through #VC and the GHCB; the plain run took no #VC', () => {
    const count = (m: Machine, kind: string, name?: string) =>
      m.log.events.filter((e) => e.kind === kind && (name === undefined || ('name' in e && e.name === name)))
        .length;
    expect(count(plain.machine, 'vc')).toBe(0);
    expect(count(es.machine, 'vc', 'SVM_EXIT_NPF')).toBeGreaterThan(150);
    expect(count(es.machine, 'vc-result')).toBe(count(es.machine, 'vc'));
    expect(
      es.machine.log.events.filter((e) => e.kind === 'vc-result' && !/^ES_(OK|RETRY)$/.test(e.result)),
    ).toEqual([]);
    expect(count(es.machine, 'vmgexit', 'SVM_VMGEXIT_MMIO_READ')).toBeGreaterThan(50);
    expect(count(es.machine, 'vmgexit', 'SVM_VMGEXIT_MMIO_WRITE')).toBeGreaterThan(50);
  });

  test('the SEV-ES run took MMIO #VCs from the 16-bit and the 32-bit code, not only from 64-bit code', () => {
    const at = (from: number, to: number) =>
      es.machine.log.events.filter((e) => e.kind === 'vc' && Number(e.rip) >= from && Number(e.rip) < to)
        .length;
    // 16-bit RIPs are offsets from CS base 0x10000; 32-bit code is flat.
    expect(at(img.sym('pm16') - 0x10000, img.sym('checkpoint16') - 0x10000)).toBe(63);
    expect(at(img.sym('pm32'), img.sym('checkpoint32'))).toBe(76);
  });

  test.each(CHECKPOINTS)('$mode code took its $rows checkpoints, in boot order', ({ cs, rows }) => {
    expect(rowsIn(plain.trace, cs).length).toBe(rows);
    expect(rowsIn(es.trace, cs).length).toBe(rows);
    const first = CHECKPOINTS.slice(
      0,
      CHECKPOINTS.findIndex((c) => c.cs === cs),
    ).reduce((n, c) => n + c.rows, 0);
    expect(plain.trace.slice(first, first + rows).every((row) => row[ROW.cs] === BigInt(cs))).toBe(true);
  });

  test('every checkpoint (all GPRs, RFLAGS and CS after each instruction) is identical', () => {
    expect(plain.trace.length).toBe(CHECKPOINTS.reduce((n, c) => n + c.rows, 0));
    const hex = (t: bigint[][]) => t.map((row) => row.map((v) => v.toString(16)).join(' '));
    expect(hex(es.trace)).toEqual(hex(plain.trace));
  });

  test('final registers and flags are identical', () => {
    expect(es.regs).toEqual(plain.regs);
  });

  test('the whole image in memory (data, driver globals, stack, trace) is identical', () => {
    expect(Buffer.from(es.image).equals(Buffer.from(plain.image))).toBe(true);
  });

  test('the register file saw the same accesses in the same order, and holds the same bytes', () => {
    expect(plain.regfileLog.length).toBeGreaterThan(200);
    expect(es.regfileLog).toEqual(plain.regfileLog);
    expect(Buffer.from(es.regfileBytes).equals(Buffer.from(plain.regfileBytes))).toBe(true);
    expect(es.vga).toBe(plain.vga);
  });

  test('exact values: sign-extended imm32, zero- and sign-extension into 32-bit registers', () => {
    // movq $-2, 0x38(%rbx): C7 with REX.W stores imm32 sign-extended to 64 bits.
    const dv = new DataView(es.regfileBytes.buffer);
    expect(dv.getBigUint64(0x38, true)).toBe(0xffff_ffff_ffff_fffen);
    // movl 0x34(%rbx), %edx (64-bit checkpoint 30) zeroes bits 63:32 of RDX.
    const at = (n: number, reg: string) => rowsIn(es.trace, 0x18)[n]![GPRS.indexOf(reg)]!;
    expect(at(30, 'rdx')).toBe(0x8000_0001n);
    // movzbl 0x30(%rbx), %ecx: 0x81 zero-extended into RCX, upper half cleared.
    expect(es.trace.some((row) => row[1] === 0x81n)).toBe(true);
    // movsbq 0x30(%rbx), %r10: 0x81 sign-extended to 64 bits.
    expect(es.trace.some((row) => row[10] === 0xffff_ffff_ffff_ff81n)).toBe(true);
  });

  test('16/32-bit exact values: disp32 is absolute, CX counts under 16-bit addresses, offsets wrap', () => {
    const reg = (cs: number, n: number, name: string) => rowsIn(es.trace, cs)[n]![GPRS.indexOf(name)]!;
    // 32-bit checkpoint 27, movl regfile + 0x18, %ecx: mod 00 rm 101 is disp32 (not RIP-relative),
    // reading what movl %edi, 0x10(%ebx,%ecx,4) stored.
    expect(reg(0x08, 27, 'rcx')).toBe(0x1234_5678n);
    // 16-bit checkpoint 54, rep movsw with ECX = 0xabcd0005: CX counts to 0, bits 31:16 stay.
    expect(reg(0x20, 54, 'rcx')).toBe(0xabcd_0000n);
    // 32-bit checkpoint 59, addr16 rep movsw with ECX = 0xfedc0004: likewise; SI and DI at 16 bits.
    expect([reg(0x08, 59, 'rcx'), reg(0x08, 59, 'rsi'), reg(0x08, 59, 'rdi')]).toEqual([
      0xfedc_0000n,
      0x508n,
      0x248n,
    ]);
    // 32-bit checkpoint 50, movl %fs:0xfffff100, %edx with FS base regfile + 0x1000: the linear address
    // wraps at 2^32 to regfile + 0x100, where the 16-bit code's movw %cx, 0x100 left 2.
    expect(reg(0x08, 50, 'rdx')).toBe(2n);
  });
});
