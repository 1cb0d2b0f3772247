import { readFileSync, writeFileSync } from 'node:fs';
import { type CodeSize, CommandError } from '../../../core/index.ts';
import {
  disassembleLines,
  type ExamineFormat,
  examineLines,
  parseFormat,
  X_UNITS,
} from '../format/examine.ts';
import { hexdumpLines } from '../format/hexdump.ts';
import { type Args, arg } from '../grammar.ts';
import { checkPhysical, type PhysRange, readRanges, virtualRanges, writeRanges } from '../memory-access.ts';
import { hex } from '../numbers.ts';
import { type CommandRow, row } from '../row.ts';
import type { Session } from '../session.ts';

const MAX_FILE = 64 * 2 ** 20;

function format(text: string | undefined, example: string): ExamineFormat {
  try {
    return parseFormat(text);
  } catch (e) {
    throw new CommandError(`${(e as Error).message}; example: ${example}`);
  }
}

const codeSize = (s: Session): CodeSize => s.cpu.codeSizeNow;

/** Bytes for x/Ni: as many whole pages as translate, up to 15 bytes per instruction. */
function codeBytes(
  s: Session,
  space: 'virtual' | 'physical',
  at: bigint,
  count: number,
  example: string,
): Uint8Array {
  const want = Math.min(15 * count, 4096);
  const pieces: PhysRange[] = [];
  let got = 0;
  while (got < want) {
    const n = Math.min(want - got, 4096 - Number((at + BigInt(got)) % 4096n));
    try {
      const addr = at + BigInt(got);
      pieces.push(
        ...(space === 'virtual'
          ? virtualRanges(s.machine, s.cpu, addr, n, 'read', example)
          : [checkPhysical(s.machine, addr, n, example)]),
      );
    } catch (e) {
      if (got === 0) throw e;
      break;
    }
    got += n;
  }
  return readRanges(s.machine, pieces);
}

/**
 * x and xp. Without an address they go on after the last examine of the same space, with its format
 * unless a new one is given (gdb's `x` with no argument).
 */
function examine(s: Session, space: 'virtual' | 'physical', a: Args, example: string): string {
  const last = s.lastExamine?.space === space ? s.lastExamine : null;
  const [name, addrName] = space === 'virtual' ? ['x', 'ADDR'] : ['xp', 'GPA'];
  if (!a.has(addrName) && last === null)
    throw new CommandError(
      `${name}: missing ${addrName} (a bare ${name} goes on after the last one); example: ${example}`,
    );
  const fmtText = a.has('/NFU') ? a.text('/NFU') : last && !a.has(addrName) ? last.format : undefined;
  const at = a.has(addrName) ? a.bigint(addrName) : last!.next;
  const fmt = format(fmtText, example);
  let lines: string[];
  let length: number;
  if (fmt.format === 'i') {
    const bytes = codeBytes(s, space, at, fmt.count, example);
    ({ lines, length } = disassembleLines(bytes, at, fmt.count, codeSize(s)));
  } else {
    length = fmt.count * X_UNITS[fmt.unit];
    const ranges =
      space === 'virtual'
        ? virtualRanges(s.machine, s.cpu, at, length, 'read', example)
        : [checkPhysical(s.machine, at, length, example)];
    lines = examineLines(readRanges(s.machine, ranges), at, fmt);
  }
  // Only a successful examine moves the memory pane.
  s.memoryView = { space, address: at };
  s.lastExamine = { space, format: fmtText, next: at + BigInt(length) };
  return lines.join('\n');
}

const SET_WIDTHS = { u8: 1, u16: 2, u32: 4, u64: 8 } as const;

const setRows = Object.entries(SET_WIDTHS).map(([name, size]) =>
  row({
    name: `set ${name}`,
    group: 'memory',
    args: [arg.address('ADDR'), arg.lit('='), arg.value('VALUE')],
    summary: `store a ${size * 8}-bit value at a guest-virtual address (through the vCPU's paging)`,
    example: `set ${name} 0x1000 = 0x${'ab'.repeat(size)}`,
    run: (a, s) => {
      const example = `set ${name} 0x1000 = 0x${'ab'.repeat(size)}`;
      const v = a.bigint('VALUE');
      const max = (1n << BigInt(size * 8)) - 1n;
      // Why: a negative number is meant as two's complement; anything else wider is a typo.
      const signed = BigInt.asIntN(64, v);
      if (v > max && !(signed < 0n && signed >= -(1n << BigInt(size * 8 - 1))))
        throw new CommandError(`${hex(v)} does not fit in ${size * 8} bits; example: ${example}`);
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = Number((v >> BigInt(8 * i)) & 0xffn);
      const at = a.bigint('ADDR');
      writeRanges(s.machine, virtualRanges(s.machine, s.cpu, at, size, 'write', example), bytes);
      s.memoryView = { space: 'virtual', address: at };
      return `${hex(at)} <- 0x${BigInt.asUintN(size * 8, v)
        .toString(16)
        .padStart(size * 2, '0')}`;
    },
  }),
);

export const memoryRows: readonly CommandRow[] = [
  row({
    name: 'x',
    group: 'memory',
    args: [arg.format(), arg.opt(arg.address('ADDR'))],
    summary:
      "examine guest-virtual memory through the selected vCPU's paging (formats x d u c i, units b h w g); no ADDR goes on after the last x",
    example: 'x/4xw 0x1000',
    run: (a, s) => examine(s, 'virtual', a, 'x/4xw 0x1000'),
  }),
  row({
    name: 'xp',
    group: 'memory',
    args: [arg.format(), arg.opt(arg.address('GPA'))],
    summary:
      'examine guest-physical memory as the guest sees it (plaintext); no GPA goes on after the last xp',
    example: 'xp/8xb 0x7c00',
    run: (a, s) => examine(s, 'physical', a, 'xp/8xb 0x7c00'),
  }),
  ...setRows,
  row({
    name: 'wx',
    group: 'memory',
    args: [arg.hex(), arg.lit('@'), arg.address('ADDR')],
    summary: 'write hex bytes at a guest-virtual address',
    example: 'wx f4eb fd @ 0x7c00',
    run: (a, s) => {
      const bytes = a.bytes('HEX');
      const at = a.bigint('ADDR');
      writeRanges(
        s.machine,
        virtualRanges(s.machine, s.cpu, at, bytes.length, 'write', 'wx f4ebfd @ 0x7c00'),
        bytes,
      );
      s.memoryView = { space: 'virtual', address: at };
      return `wrote ${bytes.length} bytes at ${hex(at)}`;
    },
  }),
  row({
    name: 'load',
    group: 'memory',
    args: [arg.file(), arg.lit('@'), arg.address('GPA')],
    summary: 'copy a file into guest-physical memory (encrypted with the VM key on private pages)',
    example: 'load blob.bin @ 0x7c00',
    run: (a, s) => {
      const file = a.text('FILE');
      const bytes = readFile(file, 'load blob.bin @ 0x7c00');
      const at = a.bigint('GPA');
      const r = checkPhysical(s.machine, at, bytes.length, 'load blob.bin @ 0x7c00');
      s.machine.memory.write(r.gpa, bytes);
      s.memoryView = { space: 'physical', address: at };
      return `loaded ${bytes.length} bytes from ${file} at ${hex(at)}..${hex(at + BigInt(bytes.length))}`;
    },
  }),
  row({
    name: 'dump',
    group: 'memory',
    args: [arg.address('GPA'), arg.number('LEN'), arg.file()],
    summary: 'write guest-physical memory (plaintext) to a file',
    example: 'dump 0x7c00 512 boot.bin',
    run: (a, s) => {
      const len = a.int('LEN');
      if (len < 1 || len > MAX_FILE)
        throw new CommandError(`LEN ${len} is not in 1..${MAX_FILE}; example: dump 0x7c00 512 boot.bin`);
      const r = checkPhysical(s.machine, a.bigint('GPA'), len, 'dump 0x7c00 512 boot.bin');
      const file = a.text('FILE');
      try {
        writeFileSync(file, s.machine.memory.read(r.gpa, r.length));
      } catch (e) {
        throw new CommandError(
          `cannot write ${file}: ${(e as Error).message}; example: dump 0x7c00 512 boot.bin`,
        );
      }
      return `wrote ${len} bytes from ${hex(r.gpa)} to ${file}`;
    },
  }),
  row({
    name: 'hv-view',
    group: 'memory',
    args: [arg.address('GPA'), arg.number('LEN')],
    summary: 'what the hypervisor reads at a GPA: ciphertext on private pages, plaintext on shared ones',
    example: 'hv-view 0x1000 32',
    run: (a, s) => {
      const len = a.int('LEN');
      if (len < 1 || len > 4096)
        throw new CommandError(`LEN ${len} is not in 1..4096; example: hv-view 0x1000 32`);
      const r = checkPhysical(s.machine, a.bigint('GPA'), len, 'hv-view 0x1000 32');
      const pages: string[] = [];
      for (let p = Math.floor(r.gpa / 4096) * 4096; p < r.gpa + len; p += 4096)
        pages.push(
          `page ${hex(p)}: ${s.machine.memory.isEncrypted(p) ? 'private (ciphertext)' : 'shared (plaintext)'}`,
        );
      return [...pages, ...hexdumpLines(s.machine.memory.hvRead(r.gpa, len), BigInt(r.gpa))].join('\n');
    },
  }),
  row({
    name: 'gva2gpa',
    group: 'memory',
    args: [arg.address('ADDR')],
    summary: "translate a guest-virtual address through the selected vCPU's page tables",
    example: 'gva2gpa 0xffffffff81000000',
    run: (a, s) => {
      const at = a.bigint('ADDR');
      const t = s.cpu.translate(at, 'read');
      if ('fault' in t) return `${hex(at)}: no translation (vector ${t.fault.vector}: ${t.fault.why})`;
      return `${hex(at)} -> gpa ${hex(t.gpa)}`;
    },
  }),
  row({
    name: 'mem-info',
    group: 'memory',
    args: [arg.address('GPA')],
    summary: 'what a guest-physical page is: private or shared, reserved by whom, MMIO device',
    example: 'mem-info 0x1000',
    run: (a, s) => {
      const gpa = a.bigint('GPA');
      const m = s.machine.memory;
      if (gpa < 0n || gpa >= BigInt(m.size))
        throw new CommandError(
          `${hex(gpa)} is outside guest memory (size ${hex(m.size)}); example: mem-info 0x1000`,
        );
      const at = Number(gpa);
      const mmio = m.mmioAt(at);
      if (mmio) return `${hex(gpa)}: MMIO of '${mmio.device.name}' (base ${hex(mmio.base)})`;
      const reserved = m.reservedAt(at);
      const ghcb = s.sevEs && at >= s.machine.config.ghcbBase && at < s.ghcbGpa(s.machine.vcpus.length);
      return [
        `${hex(gpa)}: RAM, ${m.isEncrypted(at) ? 'private (encrypted with the VM key)' : 'shared (plaintext to the host)'}`,
        ...(reserved
          ? [`reserved by ${reserved.owner} (${hex(reserved.base)}, ${hex(reserved.length)} bytes)`]
          : []),
        ...(ghcb ? [`GHCB page of cpu${Math.floor((at - s.machine.config.ghcbBase) / 4096)}`] : []),
      ].join('\n');
    },
  }),
];

function readFile(file: string, example: string): Uint8Array {
  try {
    const b = readFileSync(file);
    if (b.length === 0) throw new Error('the file is empty');
    if (b.length > MAX_FILE) throw new Error(`the file has ${b.length} bytes; at most ${MAX_FILE}`);
    return new Uint8Array(b);
  } catch (e) {
    throw new CommandError(`cannot load ${file}: ${(e as Error).message}; example: ${example}`);
  }
}
