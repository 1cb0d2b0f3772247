/**
 * Live progress: on a terminal one line rewritten in place (`[3/20] running scenarios/x.yaml`);
 * otherwise one plain line per finished scenario, for CI logs.
 */
import type { ScenarioResult } from '../result.ts';
import { ms } from './table.ts';

export interface Progress {
  start(file: string): void;
  result(r: ScenarioResult, done: number): void;
  end(): void;
}

export function progress(stream: NodeJS.WriteStream, tty: boolean, total: number): Progress {
  const running = new Set<string>();
  let done = 0;
  const redraw = () => {
    const names = [...running].join(', ');
    const text = `[${done}/${total}] running ${names}`;
    const cols = stream.columns ?? 100;
    stream.write(`\r\x1b[2K${text.length > cols - 1 ? `${text.slice(0, cols - 4)}...` : text}`);
  };
  return {
    start(file) {
      running.add(file);
      if (tty) redraw();
    },
    result(r, d) {
      running.delete(r.file);
      done = d;
      if (tty) {
        if (r.outcome.kind !== 'pass') stream.write(`\r\x1b[2K${r.outcome.kind.toUpperCase()} ${r.file}\n`);
        redraw();
      } else stream.write(`${r.outcome.kind.padEnd(7)} ${r.file} (${ms(r.wallMs)})\n`);
    },
    end() {
      if (tty) stream.write('\r\x1b[2K');
    },
  };
}
