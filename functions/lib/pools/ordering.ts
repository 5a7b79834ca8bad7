/**
 * Ordering a pool's deficit through the normal order path, and what it costs: the cheapest rental
 * Plivo offers for a rule, and the split of the plan into orders within the order limits.
 */
import { IdempotencyConflictError } from '../errors.js';
import { LIMITS, orderRequestSchema } from '../orders/model.js';
import { submitOrder } from '../orders/submit.js';
import type { PlivoClient } from '../plivo/client.js';
import type { StoredPolicy } from '../store/pool-policies.js';
import { toUnits } from './decide.js';
import type { PoolRule } from './policy.js';
import type { PoolsDeps } from './deps.js';
import type { RuleOutcome, RunRecord } from './run-record.js';

/** The cheapest monthly rental Plivo offers for the rule (units), or undefined when no stock. */
export async function rentalRate(plivo: PlivoClient, rule: PoolRule, service: string): Promise<number | undefined> {
  const page = await plivo.searchNumberGroups({
    countryIso: rule.countryIso,
    numberType: rule.numberType,
    services: service,
    limit: 20,
    ...(rule.prefix ? { prefix: rule.prefix } : {}),
    ...(rule.region ? { region: rule.region } : {}),
  });
  const rates = page.objects.filter((g) => g.stock > 0).map((g) => toUnits(g.rental_rate));
  return rates.length ? Math.min(...rates) : undefined;
}

/**
 * The deficit rules in as few orders as the order limits allow (40 lines, 100,000 numbers; a
 * policy may hold 100 rules), in rule order so that the same plan always splits the same way.
 */
export function splitIntoOrders<T extends { quantity: number }>(rules: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let numbers = 0;
  for (const rule of rules) {
    if (current.length === LIMITS.maxLines || numbers + rule.quantity > LIMITS.maxNumbersPerOrder) {
      chunks.push(current);
      current = [];
      numbers = 0;
    }
    current.push(rule);
    numbers += rule.quantity;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/** The idempotency key of a run's order: per pool (scope), policy version, window and chunk. */
export function runOrderKey(run: Pick<RunRecord, 'poolUuid' | 'policyVersion' | 'window'>, chunk: number): { scope: string; key: string } {
  return { scope: `rebalance:${run.poolUuid}`, key: `v${run.policyVersion}:${run.window}${chunk ? `:${chunk}` : ''}` };
}

/**
 * Places the deficit through the normal order path: one order per chunk (splitIntoOrders), each
 * keyed by pool, policy version, window and chunk, so two runs of one window place each at most
 * once. An order the window already holds with another plan, or a plan the order schema refuses,
 * is a note on the run, not a failure.
 */
export async function placeOrders(deps: PoolsDeps, record: RunRecord, stored: StoredPolicy, toOrder: readonly RuleOutcome[]): Promise<void> {
  const { poolUuid, policy } = stored;
  const orderIds: string[] = [];
  for (const [index, chunk] of splitIntoOrders(toOrder).entries()) {
    const raw = {
      poolUuid,
      service: policy.service,
      partialAllowed: policy.partialAllowed,
      lines: chunk.map(({ rule, quantity }) => ({
        countryIso: rule.countryIso,
        numberType: rule.numberType,
        ...(rule.prefix ? { prefix: rule.prefix } : {}),
        ...(rule.region ? { region: rule.region } : {}),
        // Stock ordered for a rule with a campaign arrives linked to it, ready to send.
        ...(rule.campaignId ? { campaignId: rule.campaignId } : {}),
        quantity,
      })),
    };
    const parsed = orderRequestSchema.safeParse({ ...raw, reference: `rebalance:${record.runId}` });
    if (!parsed.success) {
      record.notes.push(`order ${index + 1} not placed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      for (const r of chunk) r.note = 'not ordered: the order was refused (see notes)';
      continue;
    }
    try {
      const { order, created } = await submitOrder(deps, {
        request: parsed.data,
        // The hash leaves out the run id: two runs of one window with the same plan are one order.
        rawBody: raw,
        idempotency: runOrderKey(record, index),
      });
      orderIds.push(order.orderId);
      record.orderCreated = (record.orderCreated ?? false) || created;
      for (const r of chunk) r.orderId = order.orderId;
    } catch (error) {
      if (!(error instanceof IdempotencyConflictError)) throw error;
      record.notes.push('this window already ordered a different plan: nothing ordered until the next window');
      for (const r of chunk) r.note = 'not ordered: this window already has an order';
    }
  }
  if (orderIds.length) record.orderId = orderIds[0];
  if (orderIds.length > 1) record.orderIds = orderIds;
}
