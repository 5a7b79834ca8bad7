/**
 * The sandbox's side of Plivo's rate limit, counted with code of its own — not the client's
 * limiter classes — so that a test showing "no 429" measures the client against an independent
 * count rather than against itself.
 *
 * Plivo publishes the limit (300 requests per 5 s per account) but not how it counts. Two ways:
 * - `fixed` (the sandbox's default): clock-aligned windows [k·W, (k+1)·W).
 * - `sliding`: a request is admitted when fewer than `requests` requests were admitted in the last
 *   `windowMs`. Stricter than clock-aligned windows: a burst at the end of one fixed window and
 *   another at the start of the next are refused here.
 */
import type { RateLimit } from '../../../functions/lib/plivo/rate-limit.js';

export const RATE_WINDOWS = ['sliding', 'fixed'] as const;
export type RateWindow = (typeof RATE_WINDOWS)[number];

/** One account's admitted requests. */
interface Counter {
  /** 0 when admitted (and counted), else the ms until a slot frees. */
  take(nowMs: number): number;
}

/** Admission times of the last `requests` admitted requests, oldest first (a ring buffer). */
class SlidingLog implements Counter {
  private readonly times: number[] = [];
  private start = 0;

  constructor(private readonly limit: RateLimit) {}

  take(nowMs: number): number {
    const times = this.times;
    if (times.length < this.limit.requests) {
      times.push(nowMs);
      return 0;
    }
    const oldest = times[this.start] ?? nowMs;
    const freeAt = oldest + this.limit.windowMs;
    if (nowMs < freeAt) return freeAt - nowMs;
    times[this.start] = nowMs;
    this.start = (this.start + 1) % times.length;
    return 0;
  }
}

class AlignedWindow implements Counter {
  private window = Number.NaN;
  private used = 0;

  constructor(private readonly limit: RateLimit) {}

  take(nowMs: number): number {
    const window = Math.floor(nowMs / this.limit.windowMs);
    if (window !== this.window) {
      this.window = window;
      this.used = 0;
    }
    if (this.used < this.limit.requests) {
      this.used++;
      return 0;
    }
    return (window + 1) * this.limit.windowMs - nowMs;
  }
}

export class AccountRateLimiter {
  private readonly counters = new Map<string, Counter>();

  /** `null`: no limit at all. */
  constructor(
    readonly limit: RateLimit | null,
    readonly window: RateWindow = 'fixed',
  ) {}

  /** Takes a slot for `account`: 0 when admitted, else the ms until one frees. */
  take(account: string, nowMs = Date.now()): number {
    if (this.limit === null) return 0;
    let counter = this.counters.get(account);
    if (!counter) {
      counter = this.window === 'sliding' ? new SlidingLog(this.limit) : new AlignedWindow(this.limit);
      this.counters.set(account, counter);
    }
    return counter.take(nowMs);
  }

  /** `Retry-After` for a wait: whole seconds, at least 1. */
  static retryAfterSeconds(waitMs: number): number {
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  reset(): void {
    this.counters.clear();
  }
}
