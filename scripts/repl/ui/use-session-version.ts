import { useEffect, useState } from 'react';
import type { Session } from '../session.ts';

/**
 * Re-renders when a command changed the session (at once) or the machine logged events (at most once
 * per `throttleMs`, so a run that logs thousands of events does not flood the terminal).
 */
export function useSessionVersion(session: Session, throttleMs = 40): number {
  const [version, setVersion] = useState(0);
  const machine = session.machine;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const bump = () => setVersion((v) => v + 1);
    const later = () => {
      if (timer === null)
        timer = setTimeout(() => {
          timer = null;
          bump();
        }, throttleMs);
    };
    const offSession = session.subscribe(bump);
    const offLog = machine.log.subscribe(later);
    return () => {
      offSession();
      offLog();
      if (timer !== null) clearTimeout(timer);
    };
  }, [session, machine, throttleMs]);
  return version;
}
