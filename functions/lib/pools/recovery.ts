/**
 * Finishing the runs of a pool that were cut off while acting: what they ordered is read back from
 * the window's idempotency keys, what they released from their release records, and their news is
 * recorded with the delivery ids the run itself would have used.
 */
import type { ReleaseItem } from '../store/pool-releases.js';
import type { StoredPolicy } from '../store/pool-policies.js';
import { callingCode } from '../workflow/numbering.js';
import { announce } from './announce.js';
import { runOrderKey, splitIntoOrders } from './ordering.js';
import type { PoolsDeps } from './deps.js';
import { rulesToOrder, type RunRecord } from './run-record.js';

/** A run still `running` after this long was cut off (above Lambda's 15 minutes). */
const STALE_RUN_MS = 16 * 60_000;

/**
 * Finishes the runs of this pool that were cut off while acting (still `running` after
 * `staleRunMs`): the record becomes `interrupted` and its webhooks are recorded. A `finished` run
 * still on the open index was cut off between its record and its webhooks: only those are left.
 */
export async function finishInterruptedRuns(deps: PoolsDeps, stored: StoredPolicy, current: RunRecord): Promise<void> {
  const { poolUuid } = stored;
  const staleBefore = Date.parse(current.startedAt) - (deps.staleRunMs ?? STALE_RUN_MS);
  for (const run of await deps.store.pools.runs.open(poolUuid)) {
    if (run.runId === current.runId || Date.parse(run.startedAt) > staleBefore) continue;
    if (run.state === 'running') {
      const released = await deps.store.pools.releases.forRun(poolUuid, run.runId);
      // A release not settled yet (another run holds the lock): the run is finished later.
      if (released.some((r) => r.status === 'RELEASING')) continue;
      await creditOrders(deps, run);
      assignReleases(run, released);
      run.state = 'interrupted';
      run.finishedAt = new Date().toISOString();
      run.notes.push(`cut off while acting; finished by run ${current.runId} from the orders and release records it left`);
      await deps.store.pools.runs.save(run, 'keep-open');
    }
    await announce(deps, run, stored.policy.callbackUrl, 'close');
    current.notes.push(`finished run ${run.runId}, which was cut off`);
    deps.logger?.warn('pool rebalance run was cut off; finished from its records', { poolUuid, runId: run.runId, orderId: run.orderId ?? '-' });
  }
}

/**
 * The orders a cut-off run placed: its plan's chunks, looked up by their idempotency keys, and
 * credited only when the order names this run (`reference: rebalance:<runId>`) — an order of the
 * same window placed by another run is that run's news.
 */
async function creditOrders(deps: PoolsDeps, run: RunRecord): Promise<void> {
  const orderIds: string[] = [];
  for (const [index, chunk] of splitIntoOrders(rulesToOrder(run.rules)).entries()) {
    const { scope, key } = runOrderKey(run, index);
    const found = await deps.store.orders.findIdempotencyKey(scope, key);
    const order = found ? await deps.store.orders.find(found.orderId) : undefined;
    if (!order || order.request.reference !== `rebalance:${run.runId}`) continue;
    orderIds.push(order.orderId);
    for (const r of chunk) r.orderId = order.orderId;
  }
  if (!orderIds.length) return;
  run.orderId = orderIds[0];
  if (orderIds.length > 1) run.orderIds = orderIds;
  run.orderCreated = true;
}

/** A cut-off run's release records, put back on its `release` rules (the longest matching prefix). */
function assignReleases(run: RunRecord, releases: readonly ReleaseItem[]): void {
  const rules = run.rules.filter((r) => r.decision === 'release');
  for (const r of rules) r.released = [];
  for (const item of releases) {
    const rule = rules
      .filter((r) => item.number.startsWith(`${callingCode(r.rule.countryIso)}${r.rule.prefix ?? ''}`))
      .sort((a, b) => (b.rule.prefix ?? '').length - (a.rule.prefix ?? '').length)[0];
    rule?.released?.push(item.status === 'RELEASED' ? { number: item.number, outcome: 'released' } : { number: item.number, outcome: 'failed', ...(item.error ? { error: item.error } : {}) });
  }
  for (const r of rules) r.quantity = r.released?.filter((x) => x.outcome === 'released').length ?? 0;
}
