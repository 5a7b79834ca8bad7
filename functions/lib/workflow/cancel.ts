/**
 * Cancel: a non-terminal order stops and rolls back inside its own execution — the order is
 * marked (`cancelRequested`, rollback `all`), steps in flight stop starting work, waiting lines
 * are woken with an error, and Finalize releases every number and ends the order CANCELLED.
 * Doing it inside the execution (rather than StopExecution) keeps one writer per order and lets
 * the rollback peel the layers as it always does.
 */
import { OrderTerminalError } from '../errors.js';
import { terminalOrderStatuses } from '../orders/model.js';
import type { OrderItem } from '../store/items.js';
import { failWait, type WaitDeps } from './regulatory.js';

export async function cancelOrder(deps: WaitDeps, orderId: string): Promise<OrderItem> {
  const order = await deps.store.orders.get(orderId);
  if (!(await deps.store.orders.requestCancel(orderId, terminalOrderStatuses))) {
    throw new OrderTerminalError(`order ${orderId} has already ended (${order.status}); it cannot be cancelled`);
  }
  for (const line of await deps.store.lines.list(orderId)) {
    if (line.taskToken) await failWait(deps, orderId, line.line, 'OrderCancelled', 'the order was cancelled');
  }
  deps.logger.info('order cancel requested', { orderId });
  return deps.store.orders.get(orderId);
}
