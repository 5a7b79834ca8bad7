/**
 * The sandbox's side of Plivo's rate limit: one `FixedWindowCounter` per account, the very class
 * our client's limiters count with (functions/lib/plivo/rate-limit.ts), so that a client that keeps
 * to the limit by its own count is never refused here.
 */
import { FixedWindowCounter, type RateLimit } from '../../../functions/lib/plivo/rate-limit.js';

export class AccountRateLimiter {
  private readonly counters = new Map<string, FixedWindowCounter>();

  /** `null`: no limit at all. */
  constructor(readonly limit: RateLimit | null) {}

  /** Takes a slot for `account`: 0 when admitted, else the ms until the next window opens. */
  take(account: string, nowMs = Date.now()): number {
    if (this.limit === null) return 0;
    let counter = this.counters.get(account);
    if (!counter) {
      counter = new FixedWindowCounter(this.limit);
      this.counters.set(account, counter);
    }
    return counter.tryTake(nowMs);
  }

  /** `Retry-After` for a wait: whole seconds, at least 1. */
  static retryAfterSeconds(waitMs: number): number {
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  reset(): void {
    this.counters.clear();
  }
}
