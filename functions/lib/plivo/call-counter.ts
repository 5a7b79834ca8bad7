/**
 * Counts Plivo calls where they are made (every attempt, retries included), by route template.
 * Pass `counter.record` as the client's `onAttempt`; the benchmark compares these figures with
 * the sandbox's own request counts.
 */
import type { PlivoAttempt } from './http.js';

export interface CallCounts {
  total: number;
  retries: number;
  /** Keyed by `"METHOD route"`, e.g. `"POST AvailableNumberGroup/{group_id}/"`. */
  byRoute: Record<string, number>;
}

export class PlivoCallCounter {
  private counts: CallCounts = { total: 0, retries: 0, byRoute: {} };

  readonly record = (attempt: PlivoAttempt): void => {
    const key = `${attempt.method} ${attempt.route}`;
    this.counts.total++;
    if (attempt.retry > 0) this.counts.retries++;
    this.counts.byRoute[key] = (this.counts.byRoute[key] ?? 0) + 1;
  };

  snapshot(): CallCounts {
    return { total: this.counts.total, retries: this.counts.retries, byRoute: { ...this.counts.byRoute } };
  }

  reset(): void {
    this.counts = { total: 0, retries: 0, byRoute: {} };
  }
}
