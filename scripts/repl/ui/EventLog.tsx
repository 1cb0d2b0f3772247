import { eventLine, lastMatching } from '../format/event-line.ts';
import type { Session } from '../session.ts';
import { Pane } from './Pane.tsx';

/** The newest events (filtered by `log FILTER`), decoded by name; only the visible ones are formatted. */
export function EventLog({ session, width, height }: { session: Session; width: number; height: number }) {
  const { events } = session.machine.log;
  const filter = session.logFilter;
  const lines = lastMatching(events, filter, Math.max(0, height - 1)).map(eventLine);
  return (
    <Pane
      title={`events (${events.length})${filter ? ` matching '${filter}'` : ''}`}
      width={width}
      height={height}
      lines={lines}
    />
  );
}
