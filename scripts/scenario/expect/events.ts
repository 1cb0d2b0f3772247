/**
 * `expect: {event: {...}}` and `{no-event: {...}}`: what the event log holds over the whole run so far,
 * matched on a subset of one event's fields (expect/event-match.ts).
 */
import { formatEvent } from '../../../core/index.ts';
import { eventMatches, eventPattern, formatPattern } from './event-match.ts';
import { expectation } from './expectation.ts';

export const eventExpectation = expectation({
  key: 'event',
  summary: 'An event happened (a subset of its fields; count: exactly that many)',
  schema: eventPattern({ count: true }),
  check(p, machine) {
    const hits = machine.log.events.filter((e) => eventMatches(e, p));
    if (p.count === undefined ? hits.length > 0 : hits.length === p.count) return null;
    const sameKind = machine.log.events.filter((e) => e.kind === p.kind);
    return {
      expected: p.count === undefined ? `a ${formatPattern(p)}` : `${p.count} x ${formatPattern(p)}`,
      actual:
        p.count !== undefined && hits.length
          ? `${hits.length} such events`
          : sameKind.length
            ? `no match; last ${p.kind} event: ${formatEvent(sameKind.at(-1)!)}`
            : `no ${p.kind} event at all`,
    };
  },
});

export const noEventExpectation = expectation({
  key: 'no-event',
  summary: 'No event matches (a subset of its fields)',
  schema: eventPattern({ count: false }),
  check(p, machine) {
    const hit = machine.log.events.find((e) => eventMatches(e, p));
    return hit ? { expected: `no ${formatPattern(p)}`, actual: formatEvent(hit) } : null;
  },
});
