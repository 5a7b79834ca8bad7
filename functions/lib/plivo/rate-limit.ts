/**
 * Plivo's rate limit (300 requests per 5 seconds per account) and the limiters that keep us under it.
 *
 * Plivo does not publish how it counts. We count in fixed windows aligned to the clock
 * (window k covers [k·W, (k+1)·W)), the same way in three places, so that they agree:
 * the Plivo sandbox (which answers 429 beyond the limit), the in-memory limiter below (one
 * process), and the DynamoDB-leased limiter (every process of an account, one item per window).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigurationError } from '../errors.js';

/** Waits `ms`; if `signal` aborts, rejects with the signal's own reason (not a generic AbortError). */
export async function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    throw error;
  }
}

export interface RateLimit {
  /** Requests allowed in one window. */
  requests: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/** Plivo's documented limit. */
export const PLIVO_DEFAULT_RATE_LIMIT: RateLimit = { requests: 300, windowMs: 5_000 };

const RATE_LIMIT_PATTERN = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|m)\s*$/;

/**
 * Parses `"300/5s"`, `"60/1m"`, `"10/500ms"`; `"off"` (or `"none"`, `"0"`) means no limit (`null`).
 * @throws ConfigurationError naming the setting when the text is not of that form.
 */
export function parseRateLimit(text: string, setting = 'PLIVO_RATE_LIMIT'): RateLimit | null {
  if (/^\s*(off|none|0)\s*$/i.test(text)) return null;
  const match = RATE_LIMIT_PATTERN.exec(text);
  const requests = Number(match?.[1]);
  const amount = match?.[2] === undefined ? 1 : Number(match[2]);
  const unitMs = { ms: 1, s: 1_000, m: 60_000 }[match?.[3] ?? 's'] ?? 1_000;
  const windowMs = amount * unitMs;
  if (!match || !Number.isInteger(requests) || requests < 1 || !(windowMs >= 1)) {
    throw new ConfigurationError(
      `${setting} must look like "300/5s" (requests per window, units ms|s|m) or "off"; got "${text}"`,
    );
  }
  return { requests, windowMs };
}

export function formatRateLimit(limit: RateLimit | null): string {
  if (limit === null) return 'off';
  return limit.windowMs % 1_000 === 0 ? `${limit.requests}/${limit.windowMs / 1_000}s` : `${limit.requests}/${limit.windowMs}ms`;
}

/**
 * Counts requests in clock-aligned fixed windows. `tryTake` either admits a request (0) or says
 * how many milliseconds remain until the next window opens. Pure bookkeeping; no timers.
 */
export class FixedWindowCounter {
  private window = Number.NaN;
  private used = 0;

  constructor(readonly limit: RateLimit) {}

  /** Index of the window that holds `nowMs`. */
  windowOf(nowMs: number): number {
    return Math.floor(nowMs / this.limit.windowMs);
  }

  /** Milliseconds from `nowMs` until the window after the current one opens. */
  msUntilNextWindow(nowMs: number): number {
    return (this.windowOf(nowMs) + 1) * this.limit.windowMs - nowMs;
  }

  /** 0 when admitted (and counted); otherwise the wait in ms before a token can exist. */
  tryTake(nowMs: number, count = 1): number {
    const window = this.windowOf(nowMs);
    if (window !== this.window) {
      this.window = window;
      this.used = 0;
    }
    if (this.used + count <= this.limit.requests) {
      this.used += count;
      return 0;
    }
    return this.msUntilNextWindow(nowMs);
  }
}

/**
 * What every Plivo call takes a token from. One instance is shared by all calls of a process;
 * `penalize` is called when Plivo answers 429, so that every caller waits, not only the one that
 * saw it.
 */
export interface RateLimiter {
  /** Resolves when one request may be sent. Rejects if `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Plivo said 429 with this `Retry-After`: hold every caller until then. */
  penalize(retryAfterMs: number): void;
}

/**
 * A client grants no token in the last `edgeGuardMs` of a window: a request granted just before
 * the window closes could reach Plivo after it has closed and count against the next window,
 * whose whole budget another burst may already use (measured here: 126 of 1,197 calls got 429
 * without the guard). Under load the budget is spent early in the window, so the guard costs
 * almost nothing; under light load a call waits at most the guard.
 */
export function defaultEdgeGuardMs(limit: RateLimit): number {
  return Math.round(limit.windowMs / 10);
}

/** Milliseconds to wait because `nowMs` is inside the closing guard of its window (0 when not). */
export function msInEdgeGuard(counter: FixedWindowCounter, nowMs: number, edgeGuardMs: number): number {
  const left = counter.msUntilNextWindow(nowMs);
  return left <= edgeGuardMs ? left : 0;
}

/** No limit at all (the sandbox or a test that measures without one). */
export const unlimited: RateLimiter = {
  acquire: async () => undefined,
  penalize: () => undefined,
};

/** Options every fixed-window limiter takes. */
export interface WindowedLimiterOptions {
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** No grants this close to a window's end, in ms. @default a tenth of the window */
  edgeGuardMs?: number;
  /** Called with the clock reading at which each token was granted (tests, metrics). */
  onGrant?: (atMs: number) => void;
}

/**
 * What the fixed-window limiters share: callers are served one at a time in arrival order, a 429
 * pauses them all, and nothing is granted in a window's closing guard. Subclasses say only how a
 * token of the current window is obtained (`grant`).
 */
export abstract class WindowedRateLimiter implements RateLimiter {
  protected readonly windows: FixedWindowCounter;
  protected readonly now: () => number;
  private readonly edgeGuardMs: number;
  private readonly onGrant: ((atMs: number) => void) | undefined;
  private pausedUntil = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(limit: RateLimit, options: WindowedLimiterOptions = {}) {
    this.windows = new FixedWindowCounter(limit);
    this.now = options.now ?? Date.now;
    this.edgeGuardMs = options.edgeGuardMs ?? defaultEdgeGuardMs(limit);
    this.onGrant = options.onGrant;
  }

  acquire(signal?: AbortSignal): Promise<void> {
    // Chain on the queue so that tokens go out in arrival order.
    const turn = this.queue.then(() => this.waitForToken(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  penalize(retryAfterMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + Math.max(0, retryAfterMs));
  }

  /** 0 when a token of the window holding `nowMs` was obtained; otherwise ms to wait. */
  protected abstract grant(nowMs: number): number | Promise<number>;

  private async waitForToken(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      const pause = this.pausedUntil - now;
      const wait = pause > 0 ? pause : msInEdgeGuard(this.windows, now, this.edgeGuardMs) || (await this.grant(now));
      if (wait === 0) {
        this.onGrant?.(now);
        return;
      }
      await sleepUnlessAborted(wait, signal);
    }
  }
}

export interface InMemoryRateLimiterOptions extends WindowedLimiterOptions {
  /** @default PLIVO_DEFAULT_RATE_LIMIT (300 per 5 s) */
  limit?: RateLimit;
}

/**
 * A token bucket for one process: the bucket holds `requests` tokens and refills completely at
 * each clock-aligned window (a fixed-window counter).
 */
export class InMemoryRateLimiter extends WindowedRateLimiter {
  constructor(options: InMemoryRateLimiterOptions = {}) {
    super(options.limit ?? PLIVO_DEFAULT_RATE_LIMIT, options);
  }

  protected grant(nowMs: number): number {
    return this.windows.tryTake(nowMs);
  }
}
