/**
 * A clock for the rate limiters that moves only when the test says so: `now` and `sleep` to pass
 * as their options, and `sleeping()` to know when every limiter has done what it can in the
 * current window (each waits on this clock then) before the test moves to the next one.
 */
import type { Sleep } from '../../functions/lib/plivo/rate-limit.js';
import { manualTimers } from './manual-timers.js';

export interface LimiterClock {
  now(): number;
  sleep: Sleep;
  /** Sleeps in progress. */
  sleeping(): number;
  /** Moves the clock to the start of the next window of `windowMs`. */
  nextWindow(windowMs: number): void;
}

export function limiterClock(startMs: number): LimiterClock {
  const timers = manualTimers();
  let sleeping = 0;
  const now = () => startMs + timers.now();
  return {
    now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        sleeping++;
        const onAbort = () => {
          cancel();
          sleeping--;
          reject(signal?.reason);
        };
        const cancel = timers.after(ms, () => {
          sleeping--;
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    sleeping: () => sleeping,
    nextWindow: (windowMs) => timers.advance(windowMs - (now() % windowMs)),
  };
}

/** Lets every promise continuation that is ready run (the limiters' in-memory work between two clock moves). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
