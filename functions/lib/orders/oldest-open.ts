/**
 * How long the oldest order still being worked on has been open: the metric that says orders are
 * stuck even when no execution failed (an execution waiting on a throttled step, a recovery loop).
 * Orders waiting on address regulations are left out: they wait for days by design, until their
 * line's wait expires.
 */
import type { Stores } from '../store/stores.js';
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
