/**
 * How long the oldest order still being worked on has been open: the metric that says orders are
 * stuck even when no execution failed (an execution waiting on a throttled step, a recovery loop).
 * Orders waiting on address regulations are left out: they wait for days by design, until their
 * line's wait expires.
 */
import { METRIC, type Metrics } from '../metrics.js';
import type { Stores } from '../store/stores.js';
import type { WorkflowLogger } from '../workflow/deps.js';
import { terminalOrderStatuses } from './model.js';

/** Seconds since the oldest open order not waiting on regulators was recorded; 0 when there is none. */
export async function oldestOpenOrderAgeSeconds(store: Pick<Stores, 'orders'>, now: Date = new Date()): Promise<number> {
  for (const { orderId, createdAt } of await store.orders.open(now.toISOString())) {
    const order = await store.orders.find(orderId);
    // Ended (its open marker not yet dropped: the recovery pass drops it) or waiting on regulators.
    if (!order || order.status === 'PENDING_REGULATORY' || terminalOrderStatuses.includes(order.status)) continue;
    return Math.max(0, Math.round((now.getTime() - Date.parse(createdAt)) / 1000));
  }
  return 0;
}

/**
 * Records the age as the `OldestOpenOrderAgeSeconds` gauge (the OrderOpenTooLong alarm). A metric
 * is never worth failing the caller for: a read that fails is logged and the next run measures again.
 */
export async function gaugeOldestOpenOrder(deps: { store: Pick<Stores, 'orders'>; metrics: Metrics; logger: WorkflowLogger }, now: Date = new Date()): Promise<void> {
  let seconds: number;
  try {
    seconds = await oldestOpenOrderAgeSeconds(deps.store, now);
  } catch (error) {
    deps.logger.error('could not measure the oldest open order', { orderId: '-', error: error instanceof Error ? error.message : String(error) });
    return;
  }
  deps.metrics.gauge(METRIC.oldestOpenOrderAge, seconds, 'Seconds');
}
