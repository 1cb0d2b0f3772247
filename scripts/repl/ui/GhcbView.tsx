import { GHCB_PAGE_SIZE } from '../../../core/index.ts';
import { ghcbLines } from '../format/ghcb.ts';
import { describeGhcbMsr } from '../format/msr.ts';
import { hex } from '../numbers.ts';
import type { Session } from '../session.ts';
import { Pane } from './Pane.tsx';

/**
 * A GHCB line in `width` columns: a valid bitmap too wide for the pane goes under its label as its two
 * quadwords (bits 127:64, then 63:0) so it is read whole; an exit name too wide drops its `SVM_` prefix.
 */
function fit(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const valid = /^valid +0x([0-9a-f]+)$/.exec(line);
  if (valid) {
    const v = BigInt(`0x${valid[1]}`);
    return ['valid 127:64, 63:0', `  ${hex(v >> 64n)}`, `  ${hex(BigInt.asUintN(64, v))}`];
  }
  return line.startsWith('SVM_') ? [line.slice(4)] : [line];
}

/**
 * The selected vCPU's GHCB page decoded, with the GHCB MSR's current meaning.
 */
export function GhcbView({ session, width, height }: { session: Session; width: number; height: number }) {
  if (!session.sevEs)
    return <Pane title="GHCB" width={width} height={height} lines={['none: this is not an SEV-ES VM']} />;
  const gpa = session.ghcbGpa();
  const staged = session.staged?.vcpu === session.selected ? session.staged : null;
  const lines = [
    `msr: ${describeGhcbMsr(session.cpu.ghcbMsr)}`,
    ...ghcbLines(session.machine.memory.read(gpa, GHCB_PAGE_SIZE), gpa, staged)
      .slice(1)
      .flatMap((l) => fit(l, width - 1)),
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
