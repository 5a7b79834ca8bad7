/**
 * When a failed webhook is tried again: exponential backoff with full jitter (the wait before
 * the next attempt is uniformly random between 0 and a ceiling that grows fourfold per attempt),
 * as Stripe and Svix do over about a day. With the defaults the ceilings of the seven waits are
 * 30 s, 2 min, 8 min, 32 min, 2 h 8 min, 8 h 32 min and 12 h: at most ~23.4 h from the first
 * attempt to the eighth (on average about half of that). `compress` divides every wait, so the
 * local stack and tests run the same schedule in milliseconds.
 */

export interface RetrySchedule {
  /** Attempts in all, the first included; after the last failure the delivery is FAILED. @default 8 */
  maxAttempts: number;
  /** Ceiling of the wait before the second attempt. @default 30000 (30 s) */
  baseDelayMs: number;
  /** Each further ceiling is this many times the previous one. @default 4 */
  factor: number;
  /** No ceiling above this. @default 43200000 (12 h) */
  maxDelayMs: number;
  /** Every wait is divided by this (1 = real time; the local stack uses e.g. 10000). @default 1 */
  compress: number;
  /** One attempt (connect, send, answer headers) may take this long. @default 5000 */
  timeoutMs: number;
}

export const DEFAULT_RETRY_SCHEDULE: Readonly<RetrySchedule> = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 30_000,
  factor: 4,
  maxDelayMs: 12 * 3_600_000,
  compress: 1,
  timeoutMs: 5_000,
});

/** The default schedule with some values replaced; checks them. */
export function retrySchedule(overrides: Partial<RetrySchedule> = {}): RetrySchedule {
  const schedule = { ...DEFAULT_RETRY_SCHEDULE, ...overrides };
  const positive: (keyof RetrySchedule)[] = ['maxAttempts', 'baseDelayMs', 'factor', 'maxDelayMs', 'compress', 'timeoutMs'];
  for (const name of positive) {
    if (!Number.isFinite(schedule[name]) || schedule[name] <= 0) throw new RangeError(`retry schedule: ${name} must be a positive number`);
  }
  if (!Number.isInteger(schedule.maxAttempts)) throw new RangeError('retry schedule: maxAttempts must be a whole number');
  return schedule;
}

/** The ceiling of the wait after `attemptsMade` attempts (1 = after the first), compressed. */
export function delayCeilingMs(schedule: RetrySchedule, attemptsMade: number): number {
  const ceiling = Math.min(schedule.maxDelayMs, schedule.baseDelayMs * schedule.factor ** Math.max(0, attemptsMade - 1));
  return ceiling / schedule.compress;
}

/** The wait after `attemptsMade` attempts: full jitter, `random()` in [0, 1). */
export function nextDelayMs(schedule: RetrySchedule, attemptsMade: number, random: () => number = Math.random): number {
  return Math.floor(random() * delayCeilingMs(schedule, attemptsMade));
}

/** The longest time from the first attempt to the last (every wait at its ceiling). */
export function worstCaseSpanMs(schedule: RetrySchedule): number {
  let total = 0;
  for (let made = 1; made < schedule.maxAttempts; made++) total += delayCeilingMs(schedule, made);
  return total;
}
