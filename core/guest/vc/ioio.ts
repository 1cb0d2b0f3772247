import { SEG } from '../../cpu/insn.ts';
import { IOIO, SVM_EXIT } from '../../sev/exit-codes.ts';
import { GHCB_SHARED_BUFFER } from '../../sev/ghcb-layout.ts';
import { callFailed, type VcContext, type VcHandler, type VcResult, vmmError } from './types.ts';

interface IoInsn {
  info1: number;
  size: 1 | 2 | 4;
  string: boolean;
  in: boolean;
}

/** Linux vc_ioio_exitinfo: sw_exit_info_1 from the decoded IN/OUT/INS/OUTS instruction. */
export function ioioExitInfo({ insn, regs }: Pick<VcContext, 'insn' | 'regs'>): IoInsn | null {
  const op = insn.opcode;
  if (insn.map !== 'primary') return null;
  const byteForm = (op & 1) === 0;
  const size: 1 | 2 | 4 = byteForm ? 1 : insn.opSize === 2 ? 2 : 4;
  let info1 = 0;
  let port: number;
  let string = false;
  let isIn: boolean;
  if (op === 0x6c || op === 0x6d) {
    isIn = true;
    string = true;
    port = Number(regs.get('rdx') & 0xffffn);
    info1 |= SEG.ES << IOIO.SEG_SHIFT; // INS always stores through ES
  } else if (op === 0x6e || op === 0x6f) {
    isIn = false;
    string = true;
    port = Number(regs.get('rdx') & 0xffffn);
    info1 |= (insn.segOverride === -1 ? SEG.DS : insn.segOverride) << IOIO.SEG_SHIFT;
  } else if (op >= 0xe4 && op <= 0xe7) {
    isIn = op <= 0xe5;
    port = Number(insn.imm) & 0xff;
  } else if (op >= 0xec && op <= 0xef) {
    isIn = op <= 0xed;
    port = Number(regs.get('rdx') & 0xffffn);
  } else {
    return null;
  }
  info1 |= port << IOIO.PORT_SHIFT;
  if (isIn) info1 |= IOIO.TYPE_IN;
  if (string) info1 |= IOIO.STR;
  if (string && insn.rep) info1 |= IOIO.REP;
  info1 |= size === 1 ? IOIO.SZ8 : size === 2 ? IOIO.SZ16 : IOIO.SZ32;
  info1 |= insn.addrSize === 2 ? IOIO.A16 : insn.addrSize === 4 ? IOIO.A32 : IOIO.A64;
  return { info1: info1 >>> 0, size, string, in: isIn };
}

const regMask = (bytes: number) => (1n << BigInt(bytes * 8)) - 1n;

/** Linux vc_handle_ioio: plain IN/OUT through RAX; INS/OUTS through the GHCB shared buffer. */
export const ioioVc: VcHandler = {
  exitCode: SVM_EXIT.IOIO,
  name: 'IOIO',
  handle: (ctx): VcResult => {
    const io = ioioExitInfo(ctx);
    if (!io) return { result: 'ES_DECODE_FAILED', why: 'the instruction at RIP is not IN, OUT, INS or OUTS' };
    return io.string ? stringIo(ctx, io) : plainIo(ctx, io);
  },
};

function plainIo(ctx: VcContext, io: IoInsn): VcResult {
  const mask = regMask(io.size);
  const rax = ctx.regs.get('rax');
  const r = ctx.hvCall(SVM_EXIT.IOIO, BigInt(io.info1), 0n, (g) => {
    if (!io.in) g.set('rax', rax & mask);
  });
  if (r.result !== 'ES_OK') return callFailed(r);
  if (io.in) {
    if (!r.ghcb.isValid('rax')) return vmmError('IN answer without a valid RAX');
    // IN writes AL/AX/EAX; a 32-bit IN zero-extends into RAX as any 32-bit register write does.
    const keep = io.size === 4 ? 0n : rax & ~mask;
    ctx.regs.set('rax', keep | (r.ghcb.get('rax') & mask));
  }
  return { result: 'ES_OK' };
}

/** Moves at most what fits in the shared buffer per exit; REP continues with ES_RETRY. */
function stringIo(ctx: VcContext, io: IoInsn): VcResult {
  const { regs, insn } = ctx;
  const aMask = regMask(insn.addrSize);
  const count = io.info1 & IOIO.REP ? regs.get('rcx') & aMask : 1n;
  if (count === 0n) return { result: 'ES_OK' };
  const perExit = BigInt(Math.floor(GHCB_SHARED_BUFFER.size / io.size));
  const n = Number(count < perExit ? count : perExit);
  const bytes = n * io.size;
  const down = (regs.get('rflags') & (1n << 10n)) !== 0n;
  const ptrReg = io.in ? 'rdi' : 'rsi';
  const ptr = regs.get(ptrReg) & aMask;
  // With DF set the elements go downwards: the block starts n-1 elements below the pointer.
  const start = down ? (ptr - BigInt(bytes - io.size)) & aMask : ptr;
  const seg = io.in ? SEG.ES : insn.segOverride === -1 ? SEG.DS : insn.segOverride;
  const scratch = BigInt(ctx.ghcbGpa + GHCB_SHARED_BUFFER.offset);
  let data: Uint8Array | null = null;
  if (!io.in) {
    const read = regs.readVirt(seg, start, bytes);
    if (!(read instanceof Uint8Array)) return { result: 'ES_EXCEPTION', fault: read };
    data = down ? reverseElements(read, io.size) : read;
  }
  const r = ctx.hvCall(SVM_EXIT.IOIO, BigInt(io.info1), BigInt(n), (g) => {
    g.set('sw_scratch', scratch);
    if (data) g.bytes.set(data, GHCB_SHARED_BUFFER.offset);
  });
  if (r.result !== 'ES_OK') return callFailed(r);
  if (io.in) {
    const got = r.ghcb.bytes.slice(GHCB_SHARED_BUFFER.offset, GHCB_SHARED_BUFFER.offset + bytes);
    const fault = regs.writeVirt(seg, start, down ? reverseElements(got, io.size) : got);
    if (fault) return { result: 'ES_EXCEPTION', fault };
  }
  const delta = BigInt(bytes);
  regs.set(ptrReg, (regs.get(ptrReg) & ~aMask) | ((down ? ptr - delta : ptr + delta) & aMask));
  if (io.info1 & IOIO.REP) {
    const left = (count - BigInt(n)) & aMask;
    regs.set('rcx', (regs.get('rcx') & ~aMask) | left);
    if (left !== 0n) return { result: 'ES_RETRY' };
  }
  return { result: 'ES_OK' };
}

function reverseElements(b: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(b.length);
  const n = b.length / size;
  for (let i = 0; i < n; i++) out.set(b.subarray(i * size, (i + 1) * size), (n - 1 - i) * size);
  return out;
}
