import { bytesPerLine, hexdumpLines } from '../format/hexdump.ts';
import { checkPhysical, readRanges, virtualRanges } from '../memory-access.ts';
import { hex } from '../numbers.ts';
import type { Session } from '../session.ts';
import { Pane } from './Pane.tsx';

/** Memory at the address the last x/xp/set/wx/load used, as bytes. */
export function MemoryView({ session, width, height }: { session: Session; width: number; height: number }) {
  const { space, address } = session.memoryView;
  const per = bytesPerLine(width - 1);
  const length = per * Math.max(1, height - 1);
  let lines: string[];
  try {
    const ranges =
      space === 'virtual'
        ? virtualRanges(session.machine, session.cpu, address, length, 'read', 'x/4xw 0x1000')
        : [checkPhysical(session.machine, address, length, 'xp/4xw 0x1000')];
    lines = hexdumpLines(readRanges(session.machine, ranges), address, per);
  } catch (e) {
    lines = [(e as Error).message.split(';')[0]!];
  }
  return (
    <Pane
      title={`memory ${space === 'virtual' ? 'virtual' : 'physical'} ${hex(address)}`}
      width={width}
      height={height}
      lines={lines}
    />
  );
}
