import { GHCB_PAGE_SIZE } from '../../../core/index.ts';
import { ghcbLines } from '../format/ghcb.ts';
import { describeGhcbMsr } from '../format/msr.ts';
import type { Session } from '../session.ts';
import { Pane } from './Pane.tsx';

/** The selected vCPU's GHCB page decoded, with the GHCB MSR's current meaning. */
export function GhcbView({ session, width, height }: { session: Session; width: number; height: number }) {
  if (!session.sevEs)
    return <Pane title="GHCB" width={width} height={height} lines={['none: this is not an SEV-ES VM']} />;
  const gpa = session.ghcbGpa();
  const staged = session.staged?.vcpu === session.selected ? session.staged : null;
  const lines = [
    `msr: ${describeGhcbMsr(session.cpu.ghcbMsr)}`,
    ...ghcbLines(session.machine.memory.read(gpa, GHCB_PAGE_SIZE), gpa, staged).slice(1),
  ];
  return (
    <Pane
      title={`GHCB cpu${session.selected} @${gpa.toString(16)}`}
      width={width}
      height={height}
      lines={lines}
    />
  );
}
