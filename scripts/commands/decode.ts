import { readFileSync, statSync } from 'node:fs';
import { type CodeSize, decode, disasm, mmioClass } from '../../core/index.ts';
import { type Command, numberFlag, UsageError } from './types.ts';

const usage = `Usage: sevlab decode --mode 16|32|64 (--file FILE [--offset N] [--length N] | HEXBYTES...)

Decodes x86 machine code and prints one JSON object per instruction:
  {"offset":N,"length":L,"text":"...","mmio":M}
where M is null or {"class":C,"bytes":B}: the MMIO access an SEV-ES #VC handler would emulate for the
instruction, classified as the Linux kernel's insn_decode_mmio does.
Bytes that start no instruction print {"offset":N,"length":1,"error":"REASON"}; decoding goes on at
the next byte.

  --mode 16|32|64   code size of the segment the bytes run in (CS.D / CS.L)
  --file FILE       decode bytes from FILE; offsets printed are file offsets
  --offset N        start at byte N of the file (decimal or 0x hex; default 0)
  --length N        decode N bytes (default: to the end of the file)
  HEXBYTES          bytes in hex, as separate arguments (89 c3) or one run (89c3)

Examples:
  sevlab decode --mode 64 48 89 48 10
  sevlab decode --mode 16 --file blob.bin --offset 0x100 --length 64`;

interface Options {
  mode: CodeSize;
  bytes: Uint8Array;
  /** Offset of bytes[0] in the input, added to every printed offset. */
  base: number;
}

function hexBytes(args: readonly string[]): Uint8Array {
  const hex = args.join('').replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})+$/i.test(hex)) {
    throw new UsageError(
      `'${args.join(' ')}' is not hex bytes (two hex digits per byte, e.g. 89 c3 or 89c3)`,
    );
  }
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

function fileBytes(file: string, offset: number, length: number | undefined): Uint8Array {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory())
      throw new UsageError(`'${file}' is a directory; --file takes a file of machine code`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read '${file}'`);
  }
  if (offset > size) throw new UsageError(`--offset ${offset} is past the end of '${file}' (${size} bytes)`);
  const end = length === undefined ? size : offset + length;
  if (end > size)
    throw new UsageError(
      `--offset ${offset} --length ${length} runs past the end of '${file}' (${size} bytes)`,
    );
  return new Uint8Array(readFileSync(file).subarray(offset, end));
}

function parse(argv: readonly string[]): Options {
  let mode: CodeSize | undefined;
  let file: string | undefined;
  let offset: number | undefined;
  let length: number | undefined;
  const hex: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    switch (a) {
      case '--mode': {
        const m = argv[++i];
        if (m !== '16' && m !== '32' && m !== '64')
          throw new UsageError(`--mode takes 16, 32 or 64, not '${m ?? ''}'`);
        mode = Number(m) as CodeSize;
        break;
      }
      case '--file':
        file = argv[++i];
        if (file === undefined) throw new UsageError('--file needs a path');
        break;
      case '--offset':
        offset = numberFlag(a, argv[++i]);
        break;
      case '--length':
        length = numberFlag(a, argv[++i]);
        break;
      default:
        if (a.startsWith('--')) throw new UsageError(`unknown option '${a}'; see sevlab decode --help`);
        hex.push(a);
    }
  }
  if (mode === undefined) throw new UsageError('--mode 16|32|64 is required');
  if (file !== undefined && hex.length > 0) throw new UsageError('give either --file or hex bytes, not both');
  if (file === undefined) {
    if (offset !== undefined || length !== undefined)
      throw new UsageError('--offset and --length go with --file');
    if (hex.length === 0) throw new UsageError('nothing to decode: give --file FILE or hex bytes');
    return { mode, bytes: hexBytes(hex), base: 0 };
  }
  return { mode, bytes: fileBytes(file, offset ?? 0, length), base: offset ?? 0 };
}

export const decodeCommand: Command = {
  name: 'decode',
  summary: 'decode x86 machine code: length, Intel-syntax text and MMIO class per instruction',
  usage,
  run(argv) {
    const { mode, bytes, base } = parse(argv);
    const lines: string[] = [];
    for (let pos = 0; pos < bytes.length; ) {
      const r = decode(bytes, pos, bytes.length, mode);
      if ('kind' in r) {
        lines.push(JSON.stringify({ offset: base + pos, length: 1, error: r.reason }));
        pos += 1;
        continue;
      }
      const text = disasm(r, base + pos + r.length);
      lines.push(JSON.stringify({ offset: base + pos, length: r.length, text, mmio: mmioClass(r) }));
      pos += r.length;
    }
    if (lines.length > 0) console.log(lines.join('\n'));
    return 0;
  },
};
