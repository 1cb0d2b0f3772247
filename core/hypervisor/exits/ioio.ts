import { IOIO, SVM_EXIT } from '../../sev/exit-codes.ts';
import { GHCB_ERR } from '../../sev/results.ts';
import type { ExitRow } from '../exit-table.ts';

const sizeOf = (info1: bigint): 1 | 2 | 4 => {
  const v = Number(info1 & 0xffffn);
  return v & IOIO.SZ32 ? 4 : v & IOIO.SZ16 ? 2 : 1;
};
const isString = (info1: bigint) => (Number(info1) & IOIO.STR) !== 0;
const isIn = (info1: bigint) => (Number(info1) & IOIO.TYPE_IN) !== 0;

/**
 * KVM: IOIO needs sw_scratch for string I/O and RAX for OUT. String I/O moves sw_exit_info_2
 * elements of `size` bytes through the scratch area (sev_es_string_io); a count whose byte total
 * overflows or exceeds the scratch limit is refused before any access.
 */
export const ioioExit: ExitRow = {
  exitCode: SVM_EXIT.IOIO,
  name: 'SVM_EXIT_IOIO',
  requires: (g) => {
    const info1 = g.get('sw_exit_info_1');
    if (isString(info1)) return ['sw_scratch'];
    return isIn(info1) ? [] : ['rax'];
  },
  scratchLength: (g) => {
    const info1 = g.get('sw_exit_info_1');
    return isString(info1) ? g.get('sw_exit_info_2') * BigInt(sizeOf(info1)) : null;
  },
  handle: (ctx) => {
    const { hv, regs, exitInfo1 } = ctx;
    const port = Number((exitInfo1 >> BigInt(IOIO.PORT_SHIFT)) & 0xffffn);
    const size = sizeOf(exitInfo1);
    if (isString(exitInfo1)) {
      const count = Number(ctx.ghcb.get('sw_exit_info_2'));
      if (!Number.isSafeInteger(count * size))
        return { kind: 'malformed', error: GHCB_ERR.INVALID_SCRATCH_AREA, why: 'string I/O count overflows' };
      if (isIn(exitInfo1)) {
        const out = new Uint8Array(count * size);
        const view = new DataView(out.buffer);
        for (let i = 0; i < count; i++) {
          const v = hv.ioIn(port, size);
          if (size === 1) view.setUint8(i, v);
          else if (size === 2) view.setUint16(i * 2, v, true);
          else view.setUint32(i * 4, v >>> 0, true);
        }
        ctx.writeScratch(out);
      } else {
        const data = ctx.readScratch(count * size);
        const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        for (let i = 0; i < count; i++) {
          hv.ioOut(
            port,
            size,
            size === 1
              ? view.getUint8(i)
              : size === 2
                ? view.getUint16(i * 2, true)
                : view.getUint32(i * 4, true),
          );
        }
      }
      ctx.exitInfo2 = BigInt(count);
      return { kind: 'resume' };
    }
    const mask = (1n << BigInt(size * 8)) - 1n;
    if (isIn(exitInfo1)) regs.rax = (regs.rax & ~mask) | BigInt(hv.ioIn(port, size));
    else hv.ioOut(port, size, Number(regs.rax & mask));
    return { kind: 'resume' };
  },
};
