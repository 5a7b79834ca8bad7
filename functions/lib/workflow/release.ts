/**
 * RollbackUnrent: gives numbers back, peeling layers in reverse order — out of the pool with
 * `unrent=true` for numbers that went in, a plain unrent for the rest. Idempotent: a number that
 * is already gone counts as released. A number that still cannot be released after retries is
 * LEAKED and logged as an error with the number (alarmed, never silent).
 *
 * Mode `all` (rollback, cancel) releases every number of the order; mode `unusable` only those
 * that did not make it (RENTED, PENDING, ASSIGNED, FAILED), keeping the VERIFIED ones.
 */
import pMap from 'p-map';
import { PlivoError, PlivoNotFoundError, PlivoOutcomeUnknownError } from '../errors.js';
import { LEAKED_NUMBER_LOG_MESSAGE } from '../log-messages.js';
import type { NumberStatus } from '../orders/model.js';
import type { LineItem, NumberItem, OrderItem } from '../store/items.js';
import { poolOps, type StepResult } from './assign.js';
import { type Budget, hasTime, type WorkflowDeps } from './deps.js';
import { reconcileOpenIntents } from './rent.js';

export type ReleaseMode = 'all' | 'unusable';

const RELEASE_TRIES = 3;

export function releasableStatuses(mode: ReleaseMode): NumberStatus[] {
  return mode === 'all' ? ['RENTED', 'PENDING', 'ASSIGNED', 'VERIFIED', 'FAILED'] : ['RENTED', 'PENDING', 'ASSIGNED', 'FAILED'];
}

/** True when the number is no longer in the account (released, by us or before). */
async function releaseOne(deps: WorkflowDeps, ops: ReturnType<typeof poolOps>, item: NumberItem): Promise<void> {
  const inPool = item.status === 'ASSIGNED' || item.status === 'VERIFIED' || item.status === 'FAILED';
  if (inPool) {
    try {
      await ops.remove(item.number, true);
      return;
    } catch (error) {
      // Not in the pool (never got there, or already removed): unrent it directly below.
      if (!(error instanceof PlivoNotFoundError) && !(error instanceof PlivoOutcomeUnknownError)) throw error;
    }
  }
  // Unrent is safe to repeat: a number already gone answers 404, which is what we want.
  await deps.plivo.unrentNumber(item.number);
}

async function releaseWithRetries(deps: WorkflowDeps, ops: ReturnType<typeof poolOps>, item: NumberItem): Promise<unknown> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= RELEASE_TRIES; attempt++) {
    try {
      await releaseOne(deps, ops, item);
      return undefined;
    } catch (error) {
      if (!(error instanceof PlivoError)) throw error;
      lastError = error;
    }
  }
  return lastError;
}

/**
 * Gives one number back and moves its record: RELEASED, or LEAKED (logged as an error for the
 * alarm) when Plivo still refuses after retries. True when released.
 */
export async function releaseAndRecord(deps: WorkflowDeps, ops: ReturnType<typeof poolOps>, item: NumberItem): Promise<boolean> {
  const error = await releaseWithRetries(deps, ops, item);
  if (error === undefined) {
    await deps.store.numbers.transition(item.orderId, item.line, [item.number], item.status, 'RELEASED');
    return true;
  }
  await deps.store.numbers.transition(item.orderId, item.line, [item.number], item.status, 'LEAKED', {
    error: error instanceof Error ? error.message : String(error),
  });
  deps.logger.error(LEAKED_NUMBER_LOG_MESSAGE, {
    orderId: item.orderId,
    line: item.line,
    number: item.number,
    error: error instanceof PlivoError ? error.toJSON() : String(error),
  });
  return false;
}

export async function releaseNumbers(deps: WorkflowDeps, orderId: string, mode: ReleaseMode, budget: Budget): Promise<StepResult> {
  const order: OrderItem = await deps.store.orders.get(orderId);
  const lines = await deps.store.lines.list(orderId);
  // A rent that was cut off between Plivo and DynamoDB must be found before anything is given back.
  for (const line of lines) {
    // Its rent lock stayed busy: come back before releasing anything.
    if (!(await reconcileOpenIntents(deps, orderId, line, budget))) return { more: true };
  }
  const targets = await deps.store.numbers.list(orderId, undefined, releasableStatuses(mode));
  const byLine = new Map<number, LineItem>(lines.map((line) => [line.line, line]));
  let left = 0;
  let released = 0;
  let leaked = 0;
  await pMap(
    targets,
    async (item) => {
      if (!hasTime(budget)) {
        left++;
        return;
      }
      const line = byLine.get(item.line);
      if (!line) return;
      if (await releaseAndRecord(deps, poolOps(deps, order, line), item)) released++;
      else leaked++;
    },
    { concurrency: deps.concurrency ?? 16 },
  );
  deps.logger.info('numbers released', { orderId, mode, released, leaked, left });
  return { more: left > 0 };
}
