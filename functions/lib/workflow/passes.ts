/**
 * Passes of a line's steps. A Standard execution ends, failed, at 25,000 history events, and each
 * time a line step comes back (`more`, or `busy` after a Wait) adds up to nine: the Task's five
 * (entered, scheduled, started, succeeded, exited), its Choice's two and a Wait's two. Every line of
 * an order runs in one execution, so a line may come back only so often: its share of what the
 * order's own states leave. The state machine carries the count (`passes`, starting at 0) from one
 * step of the line to the next; past the line's share the step fails the line with
 * `LinePassLimitError` (caught: the line fails, and what it rented is released by Finalize's rule),
 * instead of the execution failing with everything in it.
 */
import { LinePassLimitError } from '../errors.js';
import { LIMITS } from '../orders/model.js';

/** Step Functions' limit on one execution's history (Standard workflows). */
export const HISTORY_EVENT_LIMIT = 25_000;
/** Kept for the order's own states: announcements, Plan's passes, Finalize, the release passes, retries. */
const ORDER_RESERVE_EVENTS = 4_000;
/** The most events one pass of a line step adds (Task 5, Choice 2, Wait 2). */
export const EVENTS_PER_LINE_PASS = 9;
/** Past this share of its passes, a line refused a work slot waits at least `LATE_BUSY_WAIT_SECONDS`. */
const LATE_SHARE = 0.5;
/** So that the second half of a line's passes spans hours of a busy account, not minutes. */
export const LATE_BUSY_WAIT_SECONDS = 300;

/** The passes each line of an order running `lineCount` lines may make. */
export function linePassLimit(lineCount: number): number {
  const lines = Math.min(LIMITS.maxLines, Math.max(1, lineCount));
  return Math.floor((HISTORY_EVENT_LIMIT - ORDER_RESERVE_EVENTS) / (lines * EVENTS_PER_LINE_PASS));
}

export interface PassInput {
  /** Passes the line's steps made before this one. @default 0 (an execution started before the count) */
  passes?: number | undefined;
  /** Lines the execution runs. @default the most an order holds */
  lineCount?: number | undefined;
}

/**
 * Runs one pass of a line step and answers its result with the count the next pass gets; refuses
 * (before doing anything) a pass beyond the line's share. A busy answer late in the share waits longer.
 */
export async function countedPass<R extends { busy: boolean; waitSeconds: number }>(input: PassInput, run: () => Promise<R>): Promise<R & { passes: number }> {
  const passes = input.passes ?? 0;
  const lineCount = input.lineCount ?? LIMITS.maxLines;
  const limit = linePassLimit(lineCount);
  if (passes >= limit) {
    throw new LinePassLimitError(
      `the line's steps ran ${passes} times, the most a line of an order of ${lineCount} ${lineCount === 1 ? 'line' : 'lines'} may ` +
        `(an execution keeps at most ${HISTORY_EVENT_LIMIT.toLocaleString('en-US')} history events): the line fails and what it rented is released`,
    );
  }
  const result = await run();
  const late = passes + 1 >= limit * LATE_SHARE;
  return { ...result, ...(result.busy && late ? { waitSeconds: Math.max(result.waitSeconds, LATE_BUSY_WAIT_SECONDS) } : {}), passes: passes + 1 };
}
