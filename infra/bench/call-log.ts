/**
 * Every Plivo attempt the handlers make, with when it was made and on whose behalf: a scope the
 * benchmark opens around a scheduled job (`within('rebalance', …)`) follows the job's async calls
 * (AsyncLocalStorage), while the order executions it starts run in the Step Functions endpoint's
 * own context and are left unscoped. So a rebalance run's own calls and those of the order it
 * placed are counted apart although they overlap in time.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallCounts } from '../../functions/lib/plivo/call-counter.js';
import type { PlivoAttempt } from '../../functions/lib/plivo/http.js';

export interface LoggedCall {
  /** Epoch ms. */
  at: number;
  /** `"METHOD route"`, as `PlivoCallCounter` keys it. */
  route: string;
  retry: number;
  /** The scope open when the call was made; undefined: the order workflow. */
  scope: string | undefined;
}

export class CallLog {
  private readonly scopes = new AsyncLocalStorage<string>();
  private readonly calls: LoggedCall[] = [];

  readonly record = (attempt: PlivoAttempt): void => {
    this.calls.push({ at: Date.now(), route: `${attempt.method} ${attempt.route}`, retry: attempt.retry, scope: this.scopes.getStore() });
  };

  /** Runs `work` with its Plivo calls tagged `scope`. */
  within<T>(scope: string, work: () => Promise<T>): Promise<T> {
    return this.scopes.run(scope, work);
  }

  /** A position in the log: `since(mark)` returns what came after it. */
  mark(): number {
    return this.calls.length;
  }

  since(mark: number, scope: string | undefined | 'any' = 'any'): LoggedCall[] {
    const after = this.calls.slice(mark);
    return scope === 'any' ? after : after.filter((call) => call.scope === scope);
  }
}

/** Totals and per-route counts, as `PlivoCallCounter.snapshot()` gives them. */
export function countCalls(calls: readonly LoggedCall[]): CallCounts {
  const byRoute: Record<string, number> = {};
  let retries = 0;
  for (const call of calls) {
    byRoute[call.route] = (byRoute[call.route] ?? 0) + 1;
    if (call.retry > 0) retries++;
  }
  return { total: calls.length, retries, byRoute };
}
