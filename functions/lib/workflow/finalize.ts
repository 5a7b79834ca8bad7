/**
 * Finalize: decides how an order ends. Before any terminal status is written, every rented number
 * must be VERIFIED in the pool, RELEASED or LEAKED (docs/design.md, invariant 1): if some are not,
 * Finalize asks for a release first and is called again after it.
 */
import type { LineStatus, NumberStatus, OrderStatus } from '../orders/model.js';
import { terminalOrderStatuses } from '../orders/model.js';
import type { LineItem, OrderItem, RecordedError } from '../store/items.js';
import type { WorkflowDeps } from './deps.js';
import { releasableStatuses, type ReleaseMode } from './release.js';

export interface FinalizeResult {
  /** `none`: the order is finished (status written). Otherwise release numbers, then finalize again. */
  release: 'none' | ReleaseMode;
  status: OrderStatus;
}

const IN_FLIGHT: NumberStatus[] = ['RENTED', 'PENDING', 'LINKING', 'LINKED', 'ASSIGNED', 'FAILED'];

function lineOutcome(line: LineItem, rolledBack: boolean, dryRun: boolean): LineStatus {
  // A dry run plans and prices; its lines end as its order does.
  if (dryRun) return 'PLANNED';
  if (line.status === 'PENDING_REGULATORY') return 'PENDING_REGULATORY';
  if (rolledBack) return line.rented > 0 ? 'ROLLED_BACK' : 'FAILED';
  if (line.verified >= line.requested) return 'COMPLETED';
  return line.verified > 0 ? 'PARTIAL' : 'FAILED';
}

function orderOutcome(order: OrderItem, lines: LineItem[], rolledBack: boolean): OrderStatus {
  if (order.cancelRequested) return 'CANCELLED';
  if (order.request.dryRun) return 'PLANNED';
  if (rolledBack) return lines.some((line) => line.rented > 0) ? 'ROLLED_BACK' : 'FAILED';
  if (lines.every((line) => line.verified >= line.requested)) return 'COMPLETED';
  if (lines.some((line) => line.status === 'PENDING_REGULATORY')) return 'PENDING_REGULATORY';
  return lines.some((line) => line.verified > 0) ? 'PARTIAL' : 'FAILED';
}

export async function finalizeOrder(deps: WorkflowDeps, orderId: string): Promise<FinalizeResult> {
  const order = await deps.store.orders.get(orderId);
  if (terminalOrderStatuses.includes(order.status)) return { release: 'none', status: order.status };
  const lines = await deps.store.lines.list(orderId);

  // All or nothing: any line short (and not waiting on regulators) rolls the whole order back.
  const short = lines.some((line) => line.status !== 'PENDING_REGULATORY' && line.verified < line.requested);
  let rollback = order.rollback;
  if (!order.request.partialAllowed && short && rollback !== 'all' && !order.request.dryRun) {
    await deps.store.orders.requestRollback(orderId, 'all');
    rollback = 'all';
  }
  const mode: ReleaseMode = rollback === 'all' ? 'all' : 'unusable';
  const unreleased = await deps.store.numbers.list(orderId, undefined, mode === 'all' ? releasableStatuses('all') : IN_FLIGHT);
  if (unreleased.length > 0) {
    if (mode === 'unusable') await deps.store.orders.requestRollback(orderId, 'unusable');
    deps.logger.info('numbers to release before the order ends', { orderId, mode, count: unreleased.length });
    return { release: mode, status: order.status };
  }

  const rolledBack = rollback === 'all';
  for (const line of lines) {
    const outcome = lineOutcome(line, rolledBack, order.request.dryRun);
    if (outcome !== line.status) await deps.store.lines.setStatus(orderId, line.line, outcome);
  }
  const status = orderOutcome(order, lines, rolledBack);
  await deps.store.orders.setStatus(orderId, status);
  const totals = lines.reduce(
    (sum, line) => ({
      requested: sum.requested + line.requested,
      rented: sum.rented + line.rented,
      verified: sum.verified + line.verified,
      released: sum.released + line.released,
      leaked: sum.leaked + line.leaked,
    }),
    { requested: 0, rented: 0, verified: 0, released: 0, leaked: 0 },
  );
  deps.logger.info('order finished', { orderId, status, ...totals });
  return { release: 'none', status };
}

/** A line's branch failed beyond its retries (a Catch in the state machine): record it. */
export async function recordLineFailure(deps: WorkflowDeps, orderId: string, line: number, error: RecordedError): Promise<void> {
  await deps.store.lines.recordError(orderId, line, error);
  await deps.store.orders.recordError(orderId, error);
  const current = await deps.store.lines.get(orderId, line);
  if (current.status !== 'PENDING_REGULATORY') await deps.store.lines.setStatus(orderId, line, 'FAILED');
  deps.logger.error('line failed', { orderId, line, error });
}

/** The order failed outside any line (plan, or the state machine itself): roll it all back. */
export async function recordOrderFailure(deps: WorkflowDeps, orderId: string, error: RecordedError): Promise<void> {
  await deps.store.orders.recordError(orderId, error);
  await deps.store.orders.requestRollback(orderId, 'all');
  deps.logger.error('order failed', { orderId, error });
}
