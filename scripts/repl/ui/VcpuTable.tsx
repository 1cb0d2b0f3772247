import { csip, vcpuLine } from '../format/vcpu.ts';
import type { Session } from '../session.ts';
import { windowStart } from '../view/layout.ts';
import { Pane } from './Pane.tsx';

/** Index, mode, CS:IP and run state; only the rows on screen are computed (4096 vCPUs stay cheap). */
export function VcpuTable({ session, width, height }: { session: Session; width: number; height: number }) {
  const { vcpus } = session.machine;
  const rows = height - 1;
  const start = windowStart(vcpus.length, rows, session.selected);
  const w = String(vcpus.length - 1).length;
  const shown = vcpus.slice(start, start + rows);
  const csipWidth = Math.max(...shown.map((v) => csip(v.cpu).length));
  const lines = shown.map((v) => vcpuLine(v, session.machine, w, csipWidth));
  return (
    <Pane
      title={`vCPUs ${start}-${start + lines.length - 1} of ${vcpus.length}`}
      width={width}
      height={height}
      lines={lines}
      highlight={session.selected - start}
    />
  );
}
