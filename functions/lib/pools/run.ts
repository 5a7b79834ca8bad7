/**
 * A rebalance run: count each rule (one pool count per rule + orders in transit), decide (order the deficit,
 * release or report the surplus, cap by cost), act unless dry, and record the run.
 */
import { randomBytes } from 'node:crypto';
import { PolicyNotFoundError } from '../errors.js';
import { METRIC } from '../metrics.js';
import type { StoredPolicy } from '../store/pool-policies.js';
import { announce } from './announce.js';
import { countPool } from './counting.js';
import { decide, needsRate, type RuleCount } from './decide.js';
import { placeOrders, rentalRate } from './ordering.js';
import { finishInterruptedRuns } from './recovery.js';
import { releaseSurplus, settleOpenReleases, type ToRelease } from './releases.js';
import type { PoolsDeps } from './deps.js';
import { rulesToOrder, type RunRecord } from './run-record.js';

export interface RunOptions {
  dryRun?: boolean;
  trigger?: 'api' | 'schedule';
  /** Plan only, and record nothing (GET /pools/{uuid}). */
  preview?: boolean;
}

function newRunId(now: Date): string {
  return `${String(now.getTime()).padStart(13, '0')}-${randomBytes(4).toString('hex')}`;
}

/** Runs one pool's rebalance. @throws PolicyNotFoundError when the pool has no policy */
export async function runRebalance(deps: PoolsDeps, poolUuid: string, options: RunOptions = {}): Promise<RunRecord> {
  const stored = await deps.store.pools.policies.get(poolUuid);
  if (!stored) throw new PolicyNotFoundError(`pool ${poolUuid} has no policy`);
  return runWithPolicy(deps, stored, options);
}

async function runWithPolicy(deps: PoolsDeps, stored: StoredPolicy, options: RunOptions): Promise<RunRecord> {
  const now = deps.now?.() ?? new Date();
  const dryRun = (options.dryRun ?? false) || (options.preview ?? false);
  const windowMs = (deps.windowSeconds ?? 3600) * 1000;
  const { policy, poolUuid } = stored;
  const record: RunRecord = {
    runId: newRunId(now),
    poolUuid,
    policyVersion: stored.version,
    dryRun,
    trigger: options.trigger ?? 'api',
    window: new Date(Math.floor(now.getTime() / windowMs) * windowMs).toISOString(),
    startedAt: now.toISOString(),
    finishedAt: now.toISOString(),
    rules: [],
    estimatedMonthlyIncrease: '0.00',
    notes: [],
  };

  // Releases a cut-off run left open are settled, and its news sent, before anything is counted.
  if (!dryRun) {
    await settleOpenReleases(deps, record, poolUuid);
    await finishInterruptedRuns(deps, stored, record);
  }
  const { counted, transit } = await countPool(deps, poolUuid, policy);
  const counts: RuleCount[] = [];
  for (const { rule, inPool, inTransit } of counted) {
    const count: RuleCount = { rule, inPool, inTransit };
    // Only a rule that orders needs its price (one Plivo search each).
    if (needsRate(count)) count.rate = await rentalRate(deps.plivo, rule, policy.service);
    counts.push(count);
  }
  const decided = decide(policy, counts);
  record.rules = decided.rules;
  record.estimatedMonthlyIncrease = decided.estimatedMonthlyIncrease;
  record.notes.push(...decided.notes);
  if (options.preview) return record;

  const toRelease: ToRelease[] = dryRun ? [] : record.rules.filter((r) => r.decision === 'release').map((outcome) => ({ outcome, excess: outcome.quantity }));
  const toOrder = dryRun ? [] : rulesToOrder(record.rules);
  // A run that acts is recorded first (`running`): if it is cut off, the next run finishes its news.
  const acts = toRelease.length > 0 || toOrder.length > 0;
  if (acts) {
    record.state = 'running';
    await deps.store.pools.runs.save(record, 'open');
  }
  if (toRelease.length) await releaseSurplus(deps, record, policy, transit, toRelease, now);
  if (toOrder.length) await placeOrders(deps, record, stored, toOrder);
  record.finishedAt = (deps.now?.() ?? new Date()).toISOString();
  record.state = 'finished';
  // State before news: the run is recorded, then its webhooks go to the outbox. A run that acted
  // stays on the open-runs index until its webhooks are recorded, so that a crash in between is
  // finished by the next run.
  await deps.store.pools.runs.save(record, acts ? 'keep-open' : 'create');
  const deliveries = await announce(deps, record, policy.callbackUrl, acts ? 'close' : 'update');
  deps.logger?.info('pool rebalance run', {
    poolUuid,
    runId: record.runId,
    dryRun,
    trigger: record.trigger,
    orderId: record.orderId ?? '-',
    decisions: record.rules.map((r) => `${r.decision}:${r.quantity}`),
    webhooks: deliveries.length,
  });
  return record;
}

export interface PoolResult {
  poolUuid: string;
  runId?: string;
  error?: string;
  /** Not run: too little time was left in the invocation (the next scheduled run takes it). */
  skipped?: boolean;
}

/**
 * Runs every pool with a policy, each isolated: one pool's failure does not stop the others.
 * With `remainingMs`, no pool starts with less than `reserveMs` left (default 200 s: one pool's
 * run may wait out a worst-case Plivo call, 170 s); those pools are reported skipped.
 */
export async function rebalanceAll(deps: PoolsDeps, budget: { remainingMs?: () => number; reserveMs?: number } = {}): Promise<PoolResult[]> {
  const pools = await deps.store.pools.policies.poolsWithPolicy();
  const results: PoolResult[] = [];
  for (const poolUuid of pools) {
    if (budget.remainingMs && budget.remainingMs() < (budget.reserveMs ?? 200_000)) {
      deps.logger?.warn('pool rebalance skipped: out of time in this run', { poolUuid });
      results.push({ poolUuid, skipped: true });
      continue;
    }
    try {
      const run = await runRebalance(deps, poolUuid, { trigger: 'schedule' });
      results.push({ poolUuid, runId: run.runId });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.logger?.error('pool rebalance failed', { poolUuid, error: message });
      deps.metrics?.count(METRIC.rebalanceFailedPools);
      results.push({ poolUuid, error: message });
    }
  }
  return results;
}
