/**
 * Verify (one line): proves that the line's ASSIGNED numbers are in the pool by listing the pool
 * (pages of 20, narrowed with `starts_with` + `country_iso2` + `type`) rather than one GET per
 * number. A number missing from the pool is looked for again a few times over a few seconds (a
 * pool add may be listed late), then gets one re-add; missing again, it FAILS (and is released
 * before the order ends).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PlivoBadRequestError, PlivoError, PlivoOutcomeUnknownError } from '../errors.js';
import type { PoolNumber } from '../plivo/schemas.js';
import type { LineItem, NumberItem, OrderItem } from '../store/items.js';
import { poolOps, type StepResult } from './assign.js';
import { BatchedTransition } from './batched-transition.js';
import { BUDGET_RESERVE_MS, type Budget, hasTime, type WorkflowDeps } from './deps.js';
import { isTollfree, poolTypeOf } from './numbering.js';

/**
 * Waits before listing the pool again when numbers are missing (3.5 s in all): a pool add may be
 * listed only a moment after it succeeded.
 */
const SETTLE_WAITS_MS = [500, 1_000, 2_000] as const;

/** Plivo takes at most 10 prefixes per pool listing. */
const MAX_PREFIXES = 10;

/** The pool listings that cover the line's numbers: its prefixes, ten at a time. */
function listings(deps: WorkflowDeps, order: OrderItem, line: LineItem, numbers: NumberItem[]): AsyncIterable<PoolNumber>[] {
  const pool = order.request.poolUuid;
  if (isTollfree(line.spec.numberType)) return [deps.plivo.allPoolNumbers(pool, { type: 'toll-free', service: order.request.service })];
  const groups = new Map(line.plan.map((group) => [group.groupId, group.prefix]));
  const prefixes = new Set<string>();
  for (const item of numbers) {
    const prefix = groups.get(item.groupId);
    // A number whose group prefix we do not know (reconciled, or a group without prefix): list the country.
    if (!prefix) return [deps.plivo.allPoolNumbers(pool, { countryIso2: line.spec.countryIso, type: poolTypeOf(line.spec.numberType), service: order.request.service })];
    prefixes.add(prefix);
  }
  const all = [...prefixes].sort();
  const chunks: AsyncIterable<PoolNumber>[] = [];
  for (let i = 0; i < all.length; i += MAX_PREFIXES) {
    chunks.push(
      deps.plivo.allPoolNumbers(pool, {
        startsWith: all.slice(i, i + MAX_PREFIXES),
        countryIso2: line.spec.countryIso,
        type: poolTypeOf(line.spec.numberType),
        service: order.request.service,
      }),
    );
  }
  return chunks;
}

export async function verifyLine(deps: WorkflowDeps, orderId: string, lineIndex: number, budget: Budget): Promise<StepResult> {
  const order = await deps.store.orders.get(orderId);
  const line = await deps.store.lines.get(orderId, lineIndex);
  if (order.status === 'CANCELLED' || order.rollback === 'all') return { more: false };
  const waiting = await deps.store.numbers.list(orderId, lineIndex, ['ASSIGNED']);
  if (waiting.length === 0) return { more: false };

  const expected = new Map(waiting.map((item) => [item.number, item]));
  const verified = new BatchedTransition(deps.store, orderId, lineIndex, 'ASSIGNED', 'VERIFIED');
  /** Lists the pool and verifies what it finds; false when the budget ran out first. */
  const sweep = async (): Promise<boolean> => {
    for (const members of listings(deps, order, line, [...expected.values()])) {
      for await (const member of members) {
        if (expected.delete(member.number)) await verified.add(member.number);
        if (expected.size === 0) return true;
        if (!hasTime(budget)) return false;
      }
    }
    return true;
  };
  let complete = await sweep();
  // Plivo does not promise that a number it just added to a pool is listed at once. Before a
  // missing number is re-added (and, missing again, failed and released), look a few more times.
  for (const waitMs of SETTLE_WAITS_MS) {
    if (!complete || expected.size === 0 || !hasTime(budget, BUDGET_RESERVE_MS + waitMs)) break;
    await sleep(waitMs);
    complete = await sweep();
  }
  await verified.flush();
  if (!complete) return { more: true };

  // Not in the pool: one re-add, then verify again; missing after that, the number fails.
  const ops = poolOps(deps, order, line);
  let readded = 0;
  for (const item of expected.values()) {
    if (item.readds >= 1) {
      await deps.store.numbers.transition(orderId, lineIndex, [item.number], 'ASSIGNED', 'FAILED', { error: 'not in the pool after a re-add' });
      continue;
    }
    try {
      await ops.add(item.number);
    } catch (error) {
      const maybeThere = error instanceof PlivoOutcomeUnknownError || error instanceof PlivoBadRequestError;
      if (!maybeThere && !(error instanceof PlivoError)) throw error;
    }
    await deps.store.numbers.setReadds(orderId, lineIndex, [item.number], item.readds + 1);
    readded++;
  }
  deps.logger.info('pool verified', { orderId, line: lineIndex, verified: verified.count, readded, failed: expected.size - readded });
  if (readded > 0) return { more: true };
  return { more: false };
}
