/**
 * Releasing a pool's surplus, number by number, holding the pool's lock so that two runs never
 * release the same surplus twice.
 *
 * A release is an intent (store/pool-releases.ts): recorded RELEASING before Plivo is asked to
 * remove the number from the pool with `unrent=true`, and finished RELEASED or FAILED after. A run
 * cut off in between leaves RELEASING; the next run that takes the lock settles it from Plivo's
 * account (gone: RELEASED; still there: FAILED, nothing lost) before it counts anything.
 */
import { PlivoNotFoundError, PlivoOutcomeUnknownError } from '../errors.js';
import { type LineNumberType, terminalOrderStatuses } from '../orders/model.js';
import type { PlivoClient } from '../plivo/client.js';
import type { ReleaseItem } from '../store/pool-releases.js';
import type { Stores } from '../store/stores.js';
import { callingCode } from '../workflow/numbering.js';
import { MAX_POOL_PREFIXES, poolMembersAmong } from '../plivo/pool-lookup.js';
import { poolCount, ruleLookup, type Transit } from './counting.js';
import type { PoolPolicy, PoolRule } from './policy.js';
import type { PoolsDeps } from './deps.js';
import type { RuleOutcome, RunRecord } from './run-record.js';

/**
 * Time kept back before the lock's lease ends: no release starts later than this. A release is at
 * most two Plivo calls (the remove, and an account read when its outcome is unknown), each up to
 * 170 s with every retry (PlivoHttp.worstCaseMs), then a DynamoDB write: a release under way always
 * ends before another run can take the lock and settle it.
 */
const LOCK_MARGIN_MS = 400_000;
/** The pool lock's lease: Lambda's longest run, which leaves 500 s in which releases may start. */
const RELEASE_LEASE_MS = 900_000;

/** A rule to release, and its surplus when the run decided. */
export interface ToRelease {
  outcome: RuleOutcome;
  excess: number;
}

/**
 * Removes the number from the pool and unrents it (one Plivo call). An answer that may or may not
 * have been applied is settled by reading the account: gone means released.
 */
export async function releaseNumber(plivo: PlivoClient, poolUuid: string, number: string, numberType: LineNumberType = 'local'): Promise<void> {
  try {
    // Toll-free numbers sit under the pool's Tollfree resource, the others under Number.
    if (numberType === 'tollfree') await plivo.removeTollfreeFromPool(poolUuid, number, { unrent: true });
    else await plivo.removeFromPool(poolUuid, number, { unrent: true });
  } catch (error) {
    if (!(error instanceof PlivoOutcomeUnknownError) && !(error instanceof PlivoNotFoundError)) throw error;
    if (await stillRented(plivo, number)) throw error;
  }
}

async function stillRented(plivo: PlivoClient, number: string): Promise<boolean> {
  try {
    await plivo.getAccountNumber(number);
    return true;
  } catch (error) {
    if (error instanceof PlivoNotFoundError) return false;
    throw error;
  }
}

/** Settles releases a cut-off run left RELEASING. Call it holding the pool lock. */
export async function settleUnfinished(store: Stores, plivo: PlivoClient, poolUuid: string): Promise<ReleaseItem[]> {
  const releases = store.pools.releases;
  const settled: ReleaseItem[] = [];
  for (const item of await releases.unfinished(poolUuid)) {
    const rented = await stillRented(plivo, item.number);
    const status = rented ? 'FAILED' : 'RELEASED';
    const error = rented ? 'the run was cut off before the release; the number is still rented' : undefined;
    await releases.finish(item, status, error);
    settled.push({ ...item, status, ...(error ? { error } : {}) });
  }
  return settled;
}

/**
 * Settles the pool's releases left RELEASING by a run that was cut off (holding the lock, so no
 * release is under way): gone from the account → RELEASED, still there → FAILED. Cheap when there
 * are none (one index query); left to a later run when another holds the lock.
 */
export async function settleOpenReleases(deps: PoolsDeps, record: RunRecord, poolUuid: string): Promise<void> {
  if (!(await deps.store.pools.releases.unfinished(poolUuid)).length) return;
  const lock = await deps.store.pools.locks.acquire(poolUuid, deps.releaseLeaseMs ?? RELEASE_LEASE_MS, new Date());
  if (!lock) return;
  try {
    const settled = await settleUnfinished(deps.store, deps.plivo, poolUuid);
    if (settled.length) record.notes.push(`settled ${settled.length} release(s) a cut-off run left open`);
  } finally {
    await lock.release();
  }
}

/**
 * Releases the surplus of the rules that asked for it, holding the pool's lock: settles what a
 * cut-off run left, counts the pool again (another run may have released meanwhile), then
 * releases number by number, each recorded before and after its Plivo call.
 */
export async function releaseSurplus(deps: PoolsDeps, record: RunRecord, policy: PoolPolicy, transit: readonly Transit[], toRelease: readonly ToRelease[], now: Date): Promise<void> {
  const { poolUuid } = record;
  const lock = await deps.store.pools.locks.acquire(poolUuid, deps.releaseLeaseMs ?? RELEASE_LEASE_MS, new Date());
  if (!lock) {
    for (const { outcome } of toRelease) {
      outcome.quantity = 0;
      outcome.note = 'another run is releasing this pool: nothing released by this one';
    }
    return;
  }
  try {
    // Holding the lock: what a cut-off run left open is settled first (settleOpenReleases may
    // have found the lock taken); after it no release of the pool is open.
    const settled = await settleUnfinished(deps.store, deps.plivo, poolUuid);
    if (settled.length) record.notes.push(`settled ${settled.length} release(s) a cut-off run left open`);
    // Numbers an order is still working on are never released.
    const busy = new Set<string>();
    for (const { numbers } of transit) for (const n of numbers) busy.add(n.number);
    for (const { outcome, excess } of toRelease) {
      const inPool = await poolCount(deps.plivo, poolUuid, policy, outcome.rule);
      const wanted = Math.min(excess, Math.max(0, inPool - outcome.target));
      outcome.released = await release(deps, { poolUuid, runId: record.runId, lockUntil: lock.until }, policy, outcome.rule, busy, wanted, now);
      outcome.quantity = outcome.released.filter((r) => r.outcome === 'released').length;
      if (outcome.quantity < excess) outcome.note = `${excess - outcome.quantity} of ${excess} not released: outside ${policy.releaseWithinDaysOfRenewal} days of renewal, busy, or already released`;
    }
  } finally {
    await lock.release();
  }
}

/**
 * The account's numbers of the rule that renew by `limit` (YYYY-MM-DD), with their renewal date:
 * one listing filtered by Plivo on `renewal_date__lte` and `number_startswith` (calling code and
 * prefix), pages of 20 — not one call per pool number.
 */
async function renewingBy(plivo: PlivoClient, rule: PoolRule, limit: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  // Local rules take local and fixed numbers alike: no type filter. The others name their type.
  const type = rule.numberType === 'local' ? {} : { type: rule.numberType };
  for await (const number of plivo.allAccountNumbers({ numberStartsWith: `${callingCode(rule.countryIso)}${rule.prefix ?? ''}`, renewalDate: { lte: limit }, ...type })) {
    const renewal = number.renewal_date?.slice(0, 10);
    if (renewal && renewal <= limit) found.set(number.number, renewal);
  }
  return found;
}

/**
 * Releases up to `wanted` of the rule's pool numbers that renew within the policy's window,
 * soonest first: the account's renewing numbers (one filtered listing) are looked up in the pool
 * ten per call, only as far as needed — never a read of the whole pool.
 */
async function release(
  deps: PoolsDeps,
  run: { poolUuid: string; runId: string; lockUntil: Date },
  policy: PoolPolicy,
  rule: PoolRule,
  busy: ReadonlySet<string>,
  wanted: number,
  now: Date,
): Promise<NonNullable<RuleOutcome['released']>> {
  const limit = new Date(now.getTime() + policy.releaseWithinDaysOfRenewal * 86_400_000).toISOString().slice(0, 10);
  const renewing = await renewingBy(deps.plivo, rule, limit);
  // Inside the window only, soonest renewal first (the least prepaid rental given up).
  const candidates = [...renewing.keys()].filter((n) => !busy.has(n)).sort((a, b) => ((renewing.get(a) ?? '') < (renewing.get(b) ?? '') ? -1 : 1));
  const owners = new Map((await deps.store.numbers.owners(candidates)).map((o) => [o.number, o.orderId]));
  const lookup = ruleLookup(run.poolUuid, policy, rule);
  const releases = deps.store.pools.releases;
  const done: NonNullable<RuleOutcome['released']> = [];
  let released = 0;
  for (let i = 0; i < candidates.length && released < wanted; i += MAX_POOL_PREFIXES) {
    const chunk = candidates.slice(i, i + MAX_POOL_PREFIXES);
    const inPool = new Set<string>();
    for await (const member of poolMembersAmong(deps.plivo, lookup, chunk)) inPool.add(member.number);
    for (const number of chunk) {
      if (released >= wanted) break;
      if (Date.now() > run.lockUntil.getTime() - LOCK_MARGIN_MS) return done; // the rest waits for the next run
      if (!inPool.has(number)) continue;
      const owner = owners.get(number);
      if (owner) {
        const order = await deps.store.orders.find(owner);
        if (order && !terminalOrderStatuses.includes(order.status)) continue;
      }
      const renewalDate = renewing.get(number) ?? limit;
      if (!(await releases.begin({ poolUuid: run.poolUuid, runId: run.runId, number, renewalDate, startedAt: new Date().toISOString() }))) continue;
      let error: string | undefined;
      try {
        await releaseNumber(deps.plivo, run.poolUuid, number, rule.numberType);
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause);
      }
      // What Plivo did is the outcome; a record that cannot be finished now stays RELEASING and is
      // settled from the account by the next run that takes the lock.
      await releases.finish({ ...run, number }, error === undefined ? 'RELEASED' : 'FAILED', error).catch((cause: unknown) =>
        deps.logger?.warn('release record left open', { poolUuid: run.poolUuid, number, error: cause instanceof Error ? cause.message : String(cause) }),
      );
      if (error === undefined) {
        done.push({ number, outcome: 'released' });
        released++;
      } else done.push({ number, outcome: 'failed', error });
    }
  }
  return done;
}
