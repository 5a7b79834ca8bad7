/**
 * Verify (one line): proves that the line's ASSIGNED numbers are in the pool, at a cost that
 * follows the order, not the pool. Two reads, the cheaper chosen per line:
 * - *list* the pool narrowed to the line's prefixes (`starts_with` + `country_iso2` + `type`,
 *   pages of 20): cheapest while the pool holds little else of those prefixes (a fresh pool);
 * - *look up* the line's own numbers, ten per call: a whole national number is a prefix, and
 *   `starts_with` takes ten, so a call checks ten numbers whatever the pool holds.
 * The choice comes from the pool's size when the order was planned (recorded from Plan's own
 * pool check) plus what this order adds under those prefixes; a listing whose first page shows
 * more than expected (`meta.total_count`) switches to look-ups for the rest. A number missing
 * from the pool is looked up again a few times over a few seconds (a pool add may be listed
 * late), then gets one re-add; missing again, it FAILS (and is released before the order ends).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PlivoBadRequestError, PlivoError, PlivoOutcomeUnknownError } from '../errors.js';
import type { PoolNumberFilters } from '../plivo/client.js';
import { PLIVO_MAX_PAGE_SIZE } from '../plivo/paginate.js';
import { lookupCalls, MAX_POOL_PREFIXES, poolMembersAmong, type PoolLookup } from '../plivo/pool-lookup.js';
import { terminalOrderStatuses } from '../orders/model.js';
import type { LineItem, NumberItem, OrderItem } from '../store/items.js';
import { poolOps, type StepResult } from './assign.js';
import { BatchedTransition } from './batched-transition.js';
import { BUDGET_RESERVE_MS, type Budget, hasTime, type WorkflowDeps } from './deps.js';
import { callingCode, isTollfree, poolTypeOf } from './numbering.js';

/**
 * Waits before looking again when numbers are missing (3.5 s in all): a pool add may be listed
 * only a moment after it succeeded.
 */
const SETTLE_WAITS_MS = [500, 1_000, 2_000] as const;

/** Plivo's largest page. */
const PAGE = PLIVO_MAX_PAGE_SIZE;

const listingCalls = (members: number): number => Math.ceil(members / PAGE);

/** The pool listing's filters every read of a line shares. */
function lineFilter(order: OrderItem, line: LineItem): PoolNumberFilters {
  return { countryIso2: line.spec.countryIso, type: poolTypeOf(line.spec.numberType), service: order.request.service };
}

/** The prefixes a listing of the line must cover ('' for a line or group without one), or undefined when a number's is unknown. */
function prefixesOf(line: LineItem, numbers: readonly NumberItem[]): string[] | undefined {
  if (isTollfree(line.spec.numberType)) return [''];
  const groups = new Map(line.plan.map((group) => [group.groupId, group.prefix ?? '']));
  const prefixes = new Set<string>();
  for (const item of numbers) {
    const prefix = groups.get(item.groupId);
    // A number the line did not rent from a planned group (a reconciled delivery): look it up.
    if (prefix === undefined) return undefined;
    prefixes.add(prefix);
  }
  return [...prefixes].sort();
}

const overlaps = (a: readonly string[], b: readonly string[]): boolean => a.some((x) => b.some((y) => x.startsWith(y) || y.startsWith(x)));

/** Orders of the pool looked at for the listing's bound; with more working at once, look-ups it is. */
const MAX_ORDERS_CONSIDERED = 20;

/**
 * The most the listing can hold: the pool's size at plan (unknown: no bound) plus what the lines of
 * the same kind and overlapping prefixes ask for — this order's, and those of the pool's other
 * orders still working (they fill the pool meanwhile). Read only when this order alone would make
 * the listing the cheaper read.
 */
async function listingBound(deps: WorkflowDeps, order: OrderItem, line: LineItem, prefixes: readonly string[], lookups: number): Promise<number> {
  if (order.poolSizeAtPlan === undefined) return Number.POSITIVE_INFINITY;
  const sameKind = (other: LineItem): number => {
    if (other.spec.countryIso !== line.spec.countryIso || poolTypeOf(other.spec.numberType) !== poolTypeOf(line.spec.numberType)) return 0;
    const theirs = isTollfree(other.spec.numberType) ? [''] : other.plan.map((group) => group.prefix ?? '');
    return overlaps(prefixes, theirs) ? other.requested : 0;
  };
  let bound = order.poolSizeAtPlan;
  for (const other of await deps.store.lines.list(order.orderId)) bound += sameKind(other);
  if (listingCalls(bound) > lookups) return bound;
  const others = (await deps.store.orders.activeInPool(order.request.poolUuid)).filter((id) => id !== order.orderId);
  if (others.length > MAX_ORDERS_CONSIDERED) return Number.POSITIVE_INFINITY;
  for (const orderId of others) {
    const other = await deps.store.orders.find(orderId);
    // An ended order's numbers are in the pool's size at plan, or (ended since) shown by the listing's first page.
    if (!other || terminalOrderStatuses.includes(other.status)) continue;
    for (const otherLine of await deps.store.lines.list(orderId)) bound += sameKind(otherLine);
  }
  return bound;
}

/** What one line's verification reads, and what it found. */
class PoolReader {
  readonly expected: Map<string, NumberItem>;
  /** Calls made this invocation, by kind (logged). */
  readonly calls = { list: 0, lookup: 0 };

  constructor(
    private readonly deps: WorkflowDeps,
    private readonly order: OrderItem,
    private readonly line: LineItem,
    waiting: readonly NumberItem[],
    private readonly verified: BatchedTransition,
    private readonly budget: Budget,
  ) {
    this.expected = new Map(waiting.map((item) => [item.number, item]));
  }

  private async found(number: string): Promise<void> {
    if (this.expected.delete(number)) await this.verified.add(number);
  }

  /**
   * Lists the pool under `prefixes` page by page; stops early, leaving the rest to look-ups, once
   * the pages left would cost more than looking the missing numbers up. False when out of time.
   */
  async list(prefixes: readonly string[]): Promise<boolean> {
    const pool = this.order.request.poolUuid;
    const named = prefixes.filter((prefix) => prefix !== '');
    const chunks: (string[] | undefined)[] = [];
    if (named.length < prefixes.length) chunks.push(undefined);
    else for (let i = 0; i < named.length; i += MAX_POOL_PREFIXES) chunks.push(named.slice(i, i + MAX_POOL_PREFIXES));
    for (const startsWith of chunks) {
      let offset = 0;
      for (;;) {
        if (this.expected.size === 0) return true;
        if (!hasTime(this.budget)) return false;
        const filter = { ...lineFilter(this.order, this.line), ...(startsWith ? { startsWith } : {}) };
        const page = await this.deps.plivo.listPoolNumbers(pool, { ...filter, offset, limit: PAGE });
        this.calls.list++;
        for (const member of page.objects) await this.found(member.number);
        offset += page.objects.length;
        if (page.objects.length === 0 || offset >= page.meta.total_count) break;
        if (listingCalls(page.meta.total_count - offset) > lookupCalls(this.expected.size)) return this.lookUp();
      }
    }
    return true;
  }

  /** Looks the missing numbers up, ten per call. False when out of time. */
  async lookUp(): Promise<boolean> {
    const { countryIso2, ...filter } = lineFilter(this.order, this.line);
    const lookup: PoolLookup = {
      poolUuid: this.order.request.poolUuid,
      countryIso2: countryIso2 ?? this.line.spec.countryIso,
      callingCode: callingCode(this.line.spec.countryIso),
      filter,
      onCall: () => this.calls.lookup++,
    };
    const missing = [...this.expected.keys()];
    for (let i = 0; i < missing.length; i += MAX_POOL_PREFIXES) {
      if (!hasTime(this.budget)) return false;
      for await (const member of poolMembersAmong(this.deps.plivo, lookup, missing.slice(i, i + MAX_POOL_PREFIXES))) await this.found(member.number);
    }
    return true;
  }
}

export async function verifyLine(deps: WorkflowDeps, orderId: string, lineIndex: number, budget: Budget): Promise<StepResult> {
  const order = await deps.store.orders.get(orderId);
  const line = await deps.store.lines.get(orderId, lineIndex);
  if (order.status === 'CANCELLED' || order.rollback === 'all') return { more: false };
  const waiting = await deps.store.numbers.list(orderId, lineIndex, ['ASSIGNED']);
  if (waiting.length === 0) return { more: false };

  const verified = new BatchedTransition(deps.store, orderId, lineIndex, 'ASSIGNED', 'VERIFIED');
  const reader = new PoolReader(deps, order, line, waiting, verified, budget);
  const prefixes = prefixesOf(line, waiting);
  const lookups = lookupCalls(waiting.length);
  const listCheaper = prefixes !== undefined && listingCalls(await listingBound(deps, order, line, prefixes, lookups)) <= lookups;
  let complete = listCheaper ? await reader.list(prefixes) : await reader.lookUp();
  // Plivo does not promise that a number it just added to a pool is listed at once. Before a
  // missing number is re-added (and, missing again, failed and released), look a few more times.
  for (const waitMs of SETTLE_WAITS_MS) {
    if (!complete || reader.expected.size === 0 || !hasTime(budget, BUDGET_RESERVE_MS + waitMs)) break;
    await sleep(waitMs);
    complete = await reader.lookUp();
  }
  await verified.flush();
  if (!complete) return { more: true };

  // Not in the pool: one re-add, then verify again; missing after that, the number fails.
  const ops = poolOps(deps, order, line);
  let readded = 0;
  for (const item of reader.expected.values()) {
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
  deps.logger.info('pool verified', {
    orderId,
    line: lineIndex,
    verified: verified.count,
    readded,
    failed: reader.expected.size - readded,
    reads: listCheaper ? 'list' : 'lookup',
    listCalls: reader.calls.list,
    lookupCalls: reader.calls.lookup,
  });
  if (readded > 0) return { more: true };
  return { more: false };
}
