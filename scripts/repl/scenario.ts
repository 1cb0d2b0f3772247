import { CommandError } from '../../core/index.ts';
import { executePrepared } from '../scenario/execute.ts';
import { prepareScenario } from '../scenario/scenario.ts';
import { formatDiagnostic } from '../scenario/source.ts';
import type { Session } from './session.ts';

/**
 * `scenario run FILE`: the scenario runs on the machine its file describes; afterwards the session
 * works on that machine, so its end state can be examined. An invalid file changes nothing.
 */
export async function runScenario(s: Session, file: string): Promise<string> {
  const p = await prepareScenario(file);
  if (!p.ok)
    throw new CommandError(
      `${formatDiagnostic(p.error)}; example: scenario run scenarios/jump-table/table-get-zero.yaml`,
    );
  const r = await executePrepared(p, { outDir: null });
  s.replaceMachine(p.machine);
  const o = r.outcome;
  const counts = `${r.steps}/${r.totalSteps} steps, ${r.instructions} instructions, ${r.vmgexits} VMGEXITs`;
  const verdict =
    o.kind === 'pass'
      ? 'pass'
      : o.kind === 'fail'
        ? `FAIL at ${file}:${o.line}:${o.column} step ${o.step} (${o.stepKind}): expected ${o.expected}, actual ${o.actual}`
        : `invalid: ${formatDiagnostic(o.diagnostic)}`;
  return `scenario ${r.name}: ${verdict} (${counts})\nthe session now works on this scenario's machine`;
}
