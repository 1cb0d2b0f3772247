import { registerLines } from '../format/registers.ts';
import type { Session } from '../session.ts';
import { Pane } from './Pane.tsx';

/** The selected vCPU's registers, as many per line as the width allows. */
export function Registers({ session, width, height }: { session: Session; width: number; height: number }) {
  const columns = Math.max(1, Math.floor((width - 1) / 25));
  return (
    <Pane
      title={`cpu${session.selected} registers (${session.cpu.mode()})`}
      width={width}
      height={height}
      lines={registerLines(session.cpu, columns)}
    />
  );
}
