/**
 * A pool's webhooks, recorded by a rebalance run after its record is saved (state before news)
 * and sent by the same outbox and dispatcher as order events, signed the same way:
 *
 * - `pool.rebalanced`: the run ordered or released something (not for dry runs, not when the
 *   window's order already existed). One per run.
 * - `pool.surplus`: the run left a rule above its max (reported, or not all of it releasable).
 *   One per pool, policy version and schedule window, so a retried or overlapping run in the same
 *   window does not say it twice.
 */
import { recordEvent, type WebhookStoreDeps } from '../webhooks/delivery.js';
import type { DeliveryItem } from '../store/deliveries.js';
import { webhookIdOf, type PoolEventType } from '../webhooks/events.js';
import type { RuleOutcome, RunRecord } from './run-record.js';

/** A rule as a pool event shows it. */
export interface PoolEventRule extends Pick<RuleOutcome, 'inPool' | 'inTransit' | 'min' | 'target' | 'max' | 'decision' | 'quantity' | 'orderId'> {
  rule: RuleOutcome['rule'];
  /** Numbers removed from the pool and unrented by this run. */
  released?: string[];
  /** Numbers above `max` left in the pool after this run. */
  surplus?: number;
}

export interface PoolEventData {
  poolUuid: string;
  runId: string;
  policyVersion: number;
  trigger: RunRecord['trigger'];
  window: string;
  orderId?: string;
  estimatedMonthlyIncrease: string;
  rules: PoolEventRule[];
}

export interface PoolEvent {
  type: PoolEventType;
  timestamp: string;
  data: PoolEventData;
}

const releasedOf = (outcome: RuleOutcome): string[] => (outcome.released ?? []).filter((r) => r.outcome === 'released').map((r) => r.number);

/** Numbers above max that the run leaves in the pool (0 when none). */
export function surplusLeft(outcome: RuleOutcome): number {
  if (outcome.decision !== 'report-surplus' && outcome.decision !== 'release') return 0;
  return Math.max(0, outcome.inPool - releasedOf(outcome).length - outcome.max);
}

/** The events a finished run gives, in the order they are recorded. */
export function poolEventsOf(run: RunRecord): PoolEventType[] {
  if (run.dryRun) return [];
  const types: PoolEventType[] = [];
  const ordered = run.orderId !== undefined && run.orderCreated === true;
  if (ordered || run.rules.some((r) => releasedOf(r).length > 0)) types.push('pool.rebalanced');
  if (run.rules.some((r) => surplusLeft(r) > 0)) types.push('pool.surplus');
  return types;
}

export function buildPoolEvent(run: RunRecord, type: PoolEventType, at: Date): PoolEvent {
  const rules = run.rules
    .filter((r) => type === 'pool.rebalanced' || surplusLeft(r) > 0)
    .map((r): PoolEventRule => {
      const released = releasedOf(r);
      const surplus = surplusLeft(r);
      return {
        rule: r.rule,
        inPool: r.inPool,
        inTransit: r.inTransit,
        min: r.min,
        target: r.target,
        max: r.max,
        decision: r.decision,
        quantity: r.quantity,
        ...(r.orderId !== undefined ? { orderId: r.orderId } : {}),
        ...(released.length ? { released } : {}),
        ...(surplus > 0 ? { surplus } : {}),
      };
    });
  return {
    type,
    timestamp: at.toISOString(),
    data: {
      poolUuid: run.poolUuid,
      runId: run.runId,
      policyVersion: run.policyVersion,
      trigger: run.trigger,
      window: run.window,
      ...(run.orderId !== undefined ? { orderId: run.orderId } : {}),
      estimatedMonthlyIncrease: run.estimatedMonthlyIncrease,
      rules,
    },
  };
}

/**
 * The delivery id: per run for `pool.rebalanced` (a cut-off run finished later by another uses
 * the same), per window and policy version for `pool.surplus`.
 */
export function poolWebhookId(run: RunRecord, type: PoolEventType): string {
  return type === 'pool.rebalanced' ? webhookIdOf('pool', run.poolUuid, run.runId, type) : webhookIdOf('pool', run.poolUuid, `v${run.policyVersion}`, run.window, type);
}

/** Records the run's events in the outbox (none without a callbackUrl). Returns the deliveries. */
export async function recordPoolEvents(deps: WebhookStoreDeps, run: RunRecord, callbackUrl: string | undefined): Promise<DeliveryItem[]> {
  if (callbackUrl === undefined || callbackUrl === '') return [];
  const deliveries: DeliveryItem[] = [];
  for (const type of poolEventsOf(run)) {
    deliveries.push(
      await recordEvent(deps, {
        owner: { poolUuid: run.poolUuid },
        deliveryId: poolWebhookId(run, type),
        runId: run.runId,
        type,
        url: callbackUrl,
        body: (at) => buildPoolEvent(run, type, at),
      }),
    );
  }
  return deliveries;
}
