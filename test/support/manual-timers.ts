/**
 * A clock that moves only when the test says so, for code that takes a `LocalTimers`: a test
 * advances time past a deadline instead of sleeping until it, and knows nothing fired meanwhile.
 */
import type { LocalTimers } from '../../infra/local/stepfunctions/index.js';

export interface ManualTimers extends LocalTimers {
  /** Milliseconds advanced so far. */
  now(): number;
  /** Move the clock `ms` forward, running every callback that falls due, earliest first. */
  advance(ms: number): void;
}

export function manualTimers(): ManualTimers {
  let now = 0;
  let nextId = 0;
  const due = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    after(ms, callback) {
      const id = nextId++;
      due.set(id, { at: now + ms, callback });
      return () => due.delete(id);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const [id, next] = [...due].filter(([, timer]) => timer.at <= until).sort(([, a], [, b]) => a.at - b.at)[0] ?? [];
        if (id === undefined || next === undefined) break;
        due.delete(id);
        now = next.at;
        next.callback();
      }
      now = until;
    },
  };
}
