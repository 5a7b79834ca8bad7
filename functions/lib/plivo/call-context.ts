/**
 * Who a Plivo call is made for, carried with the call's async context so that the rate limiter can
 * share the account's budget fairly without every function passing it down: calls are queued per
 * `key` (an order id, or the name of a background job) and served in turns between keys, customer
 * work before background work (see `WindowedRateLimiter` in `rate-limit.ts`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** `customer`: an order's own work. `background`: scans and counts nobody is waiting on. */
export type PlivoCallPriority = 'customer' | 'background';

export interface PlivoCallContext {
  /** Calls of one key are served in arrival order; keys take turns. */
  key: string;
  priority: PlivoCallPriority;
}

/** A call made outside any context: customer work under the empty key. */
const DEFAULT_PLIVO_CALL_CONTEXT: PlivoCallContext = Object.freeze({ key: '', priority: 'customer' });

const storage = new AsyncLocalStorage<PlivoCallContext>();

/** Runs `fn` with every Plivo call it makes (awaited or not) counted for `context`; the innermost context wins. */
export function withPlivoCallContext<T>(context: PlivoCallContext, fn: () => T): T {
  return storage.run({ key: context.key, priority: context.priority }, fn);
}

/** The context of the current call, or the default (customer, key '') outside any. */
export function currentPlivoCallContext(): PlivoCallContext {
  return storage.getStore() ?? DEFAULT_PLIVO_CALL_CONTEXT;
}
