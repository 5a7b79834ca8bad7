/**
 * What the workflow steps need, passed in (never read from the environment here), so the same
 * code runs in Lambda, in the local stack and in tests.
 */
import type { Metrics } from '../metrics.js';
import type { PlivoClient } from '../plivo/client.js';
import type { Stores } from '../store/stores.js';

/** Minimal structured logger (Powertools Logger satisfies it). */
export interface WorkflowLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface WorkflowDeps {
  store: Stores;
  plivo: PlivoClient;
  logger: WorkflowLogger;
  /** Business metrics (metrics.ts); the store given here counts the numbers' and orders' changes itself. */
  metrics: Metrics;
  /** Plivo calls in flight at once per step invocation. @default 16 */
  concurrency?: number;
  /** Line steps in flight at once across the account (workflow/work-slots.ts); unset: no limit. */
  workSlots?: number;
  /** Where Plivo posts callbacks (the Plivo callback route's public URL): 10DLC link statuses. Unset: they are read from Plivo. */
  plivoCallbackUrl?: string;
  /** With callbacks configured, how long a link may go without its callback before its status is read from Plivo. @default LOST_CALLBACK_MS (link.ts) */
  lostCallbackMs?: number;
}

/** How much time an invocation has left; steps stop starting work when it runs low. */
export interface Budget {
  remainingMs(): number;
}

/** A budget that ends `ms` from now (tests and the local stack). */
export function budgetOf(ms: number): Budget {
  const end = Date.now() + ms;
  return { remainingMs: () => end - Date.now() };
}

/** Keep this much time in hand when deciding whether to start more work (one worst Plivo call and a write). */
export const BUDGET_RESERVE_MS = 15_000;

export function hasTime(budget: Budget, reserveMs = BUDGET_RESERVE_MS): boolean {
  return budget.remainingMs() > reserveMs;
}

export const silentLogger: WorkflowLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Whether the order was cancelled (or is rolling back), re-read from the store at most every
 * `everyMs`: long batches check it between Plivo calls and stop starting new ones.
 */
export function cancellationWatch(deps: Pick<WorkflowDeps, 'store'>, orderId: string, everyMs = 1_000): () => Promise<boolean> {
  let checkedAt = 0;
  let stopped = false;
  return async () => {
    if (stopped || Date.now() - checkedAt < everyMs) return stopped;
    checkedAt = Date.now();
    const order = await deps.store.orders.get(orderId);
    stopped = Boolean(order.cancelRequested) || order.rollback === 'all';
    return stopped;
  };
}
