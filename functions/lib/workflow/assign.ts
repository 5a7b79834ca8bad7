/**
 * AssignToPool (one line): adds the line's RENTED numbers (LINKED ones on a line with a 10DLC campaign) to the order's pool with the order's
 * service, many at once under the shared rate limit, and marks them ASSIGNED in batches.
 * A pool add is not idempotent: when its outcome is unknown, or Plivo refuses it, a GET of the
 * pool member says whether it is there before anything is tried again.
 */
import pMap from 'p-map';
import {
  PlivoBadRequestError,
  PlivoError,
  PlivoNotFoundError,
  PlivoOutcomeUnknownError,
  PoolNotFoundError,
} from '../errors.js';
import { campaignOf, type NumberStatus } from '../orders/model.js';
import type { LineItem, OrderItem } from '../store/items.js';
import { type Budget, cancellationWatch, hasTime, type WorkflowDeps } from './deps.js';
import { isTollfree } from './numbering.js';
import { BatchedTransition } from './batched-transition.js';

export interface StepResult {
  /** True when numbers are left for another invocation. */
  more: boolean;
}

/** Adds of one number in one invocation before it is left for the next invocation. */
const MAX_ADD_TRIES = 3;

type AddOutcome = { kind: 'assigned' } | { kind: 'failed'; reason: string } | { kind: 'later'; error: unknown };

/** Pool operations for a line, through the Number or the Tollfree resource as the type needs. */
export function poolOps(deps: WorkflowDeps, order: OrderItem, line: LineItem) {
  const pool = order.request.poolUuid;
  const tollfree = isTollfree(line.spec.numberType);
  const service = order.request.service;
  return {
    add: (number: string) =>
      tollfree ? deps.plivo.addTollfreeToPool(pool, number, { service }) : deps.plivo.addToPool(pool, number, { service }),
    /** True when the number is in this pool. */
    isMember: async (number: string): Promise<boolean> => {
      try {
        const member = tollfree ? await deps.plivo.getPoolTollfree(pool, number) : await deps.plivo.getPoolNumber(pool, number);
        return member.number_pool_uuid === undefined || member.number_pool_uuid === null || member.number_pool_uuid === pool;
      } catch (error) {
        if (error instanceof PlivoNotFoundError) return false;
        throw error;
      }
    },
    remove: (number: string, unrent: boolean) =>
      tollfree ? deps.plivo.removeTollfreeFromPool(pool, number, { unrent }) : deps.plivo.removeFromPool(pool, number, { unrent }),
  };
}

async function addOne(deps: WorkflowDeps, ops: ReturnType<typeof poolOps>, number: string): Promise<AddOutcome> {
  for (let attempt = 1; attempt <= MAX_ADD_TRIES; attempt++) {
    try {
      await ops.add(number);
      return { kind: 'assigned' };
    } catch (error) {
      if (error instanceof PlivoOutcomeUnknownError || error instanceof PlivoBadRequestError) {
        // Unknown: it may have been added. Refused: perhaps because it already is (a retried add).
        if (await ops.isMember(number)) return { kind: 'assigned' };
        if (error instanceof PlivoBadRequestError) return { kind: 'failed', reason: error.plivoMessage ?? error.message };
        continue;
      }
      if (error instanceof PlivoNotFoundError) {
        // Either the pool is gone (the whole order must stop) or the number is not in the account.
        try {
          await deps.plivo.getAccountNumber(number);
        } catch (lookup) {
          if (lookup instanceof PlivoNotFoundError) return { kind: 'failed', reason: `number ${number} is not in the account` };
          return { kind: 'later', error: lookup };
        }
        throw new PoolNotFoundError(`the order's number pool is gone: ${error.plivoMessage ?? error.message}`, { cause: error });
      }
      if (error instanceof PlivoError) return { kind: 'later', error };
      throw error;
    }
  }
  return { kind: 'later', error: new Error(`pool add of ${number} stayed unknown after ${MAX_ADD_TRIES} tries`) };
}

export async function assignLine(deps: WorkflowDeps, orderId: string, lineIndex: number, budget: Budget): Promise<StepResult> {
  const order = await deps.store.orders.get(orderId);
  const line = await deps.store.lines.get(orderId, lineIndex);
  if (order.status === 'CANCELLED' || order.rollback === 'all') return { more: false };
  // A line with a 10DLC campaign sends only numbers linked to it (workflow/link.ts).
  const ready: NumberStatus = campaignOf(order.request, line.spec) ? 'LINKED' : 'RENTED';
  const rented = await deps.store.numbers.list(orderId, lineIndex, [ready]);
  const ops = poolOps(deps, order, line);
  const assigned = new BatchedTransition(deps.store, orderId, lineIndex, ready, 'ASSIGNED');
  const cancelled = cancellationWatch(deps, orderId);
  const failures: { number: string; reason: string }[] = [];
  let later = 0;
  let lastError: unknown;

  await pMap(
    rented,
    async (item) => {
      if (!hasTime(budget) || (await cancelled())) {
        later++;
        return;
      }
      const outcome = await addOne(deps, ops, item.number);
      if (outcome.kind === 'assigned') await assigned.add(item.number);
      else if (outcome.kind === 'failed') failures.push({ number: item.number, reason: outcome.reason });
      else {
        later++;
        lastError = outcome.error;
      }
    },
    { concurrency: deps.concurrency ?? 16 },
  );
  await assigned.flush();
  // Cancelled midway: stop here; Finalize releases everything.
  if (await cancelled()) return { more: false };
  for (const failure of failures) {
    await deps.store.numbers.transition(orderId, lineIndex, [failure.number], ready, 'FAILED', { error: failure.reason });
  }
  if (failures.length > 0) deps.logger.warn('numbers could not be added to the pool', { orderId, line: lineIndex, failures: failures.slice(0, 20), count: failures.length });
  // Nothing at all went through this time: let Step Functions back off and retry the step.
  if (later > 0 && assigned.count === 0 && failures.length === 0 && lastError !== undefined) throw lastError;
  if (later === 0) await deps.store.lines.setStatus(orderId, lineIndex, 'VERIFYING');
  deps.logger.info('pool adds done', { orderId, line: lineIndex, assigned: assigned.count, failed: failures.length, left: later });
  return { more: later > 0 };
}
