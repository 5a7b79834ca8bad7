/**
 * RollbackUnrent: gives numbers back, peeling layers in reverse order — out of the pool with
 * `unrent=true` for numbers that went in, a plain unrent for the rest. Idempotent: a number that
 * is already gone counts as released. A number that still cannot be released after retries is
 * LEAKED and logged as an error with the number (alarmed, never silent).
 *
 * Mode `all` (rollback, cancel) releases every number of the order; mode `unusable` only those
 * that did not make it (RENTED, PENDING, LINKING, LINKED, ASSIGNED, FAILED), keeping the VERIFIED ones.
 *
 * Plivo calls run side by side; the records follow one line at a time. Every transition moves
 * its line's counters, and DynamoDB cancels transactions that meet on one item: all writes of a
 * line take turns (`SerialWrites`), each writing every number released while the last one ran
 * (group commit), so the records follow Plivo within one write — and a released number gives up
 * its owner item at once, before Plivo can hand it to another order.
 * A write that still fails after the client's retries fails the step (Step Functions retries it),
 * and the next run finds those numbers gone from the account and records them RELEASED.
 */
import pMap from 'p-map';
import { PlivoError, PlivoNotFoundError, PlivoOutcomeUnknownError } from '../errors.js';
import type { NumberStatus } from '../orders/model.js';
import type { LineItem, NumberItem, OrderItem } from '../store/items.js';
import { poolOps, type StepResult } from './assign.js';
import { BatchedTransition, SerialWrites } from './batched-transition.js';
import { type Budget, hasTime, type WorkflowDeps } from './deps.js';
import { reconcileOpenIntents } from './rent.js';

export type ReleaseMode = 'all' | 'unusable';

const RELEASE_TRIES = 3;

export function releasableStatuses(mode: ReleaseMode): NumberStatus[] {
  const unusable: NumberStatus[] = ['RENTED', 'PENDING', 'LINKING', 'LINKED', 'ASSIGNED', 'FAILED'];
  return mode === 'all' ? [...unusable, 'VERIFIED'] : unusable;
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

/** Records a number Plivo would not take back as LEAKED (the store counts it for the alarm), and logs why. */
async function recordLeaked(deps: WorkflowDeps, item: NumberItem, error: unknown): Promise<void> {
  await deps.store.numbers.transition(item.orderId, item.line, [item.number], item.status, 'LEAKED', {
    error: error instanceof Error ? error.message : String(error),
  });
  deps.logger.error('number could not be released: LEAKED', {
    orderId: item.orderId,
    line: item.line,
    number: item.number,
    error: error instanceof PlivoError ? error.toJSON() : String(error),
  });
}

/**
 * Gives one number back and moves its record (the reconciler's releases, one number at a time):
 * RELEASED, or LEAKED when Plivo still refuses after retries. True when released.
 */
export async function releaseAndRecord(deps: WorkflowDeps, ops: ReturnType<typeof poolOps>, item: NumberItem): Promise<boolean> {
  const error = await releaseWithRetries(deps, ops, item);
  if (error === undefined) {
    await deps.store.numbers.transition(item.orderId, item.line, [item.number], item.status, 'RELEASED');
    return true;
  }
  await recordLeaked(deps, item, error);
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
  let leaked = 0;
  const serialByLine = new Map<number, SerialWrites>();
  const serialOf = (line: number) => {
    let serial = serialByLine.get(line);
    if (!serial) serialByLine.set(line, (serial = new SerialWrites()));
    return serial;
  };
  const releasedBy = new Map<string, BatchedTransition>();
  const releasedOf = (item: NumberItem) => {
    const key = `${item.line}:${item.status}`;
    let batch = releasedBy.get(key);
    if (!batch) {
      batch = new BatchedTransition(deps.store, orderId, item.line, item.status, 'RELEASED', { eager: true, serial: serialOf(item.line) });
      releasedBy.set(key, batch);
    }
    return batch;
  };
  await pMap(
    targets,
    async (item) => {
      if (!hasTime(budget)) {
        left++;
        return;
      }
      const line = byLine.get(item.line);
      if (!line) return;
      const error = await releaseWithRetries(deps, poolOps(deps, order, line), item);
      if (error === undefined) {
        await releasedOf(item).add(item.number);
      } else {
        await serialOf(item.line).run(() => recordLeaked(deps, item, error));
        leaked++;
      }
    },
    { concurrency: deps.concurrency ?? 16 },
  );
  for (const batch of releasedBy.values()) await batch.flush();
  const released = [...releasedBy.values()].reduce((sum, batch) => sum + batch.count, 0);
  deps.logger.info('numbers released', { orderId, mode, released, leaked, left });
  return { more: left > 0 };
}
