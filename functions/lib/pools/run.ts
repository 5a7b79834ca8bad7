/**
 * A rebalance run: count each rule (pool listing + orders in transit), decide (order the deficit,
 * release or report the surplus, cap by cost), act unless dry, and record the run.
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { NumberOrdersError, PlivoNotFoundError } from '../errors.js';
import { REBALANCE_FAILED_LOG_MESSAGE } from '../log-messages.js';
import { LIMITS, orderRequestSchema, terminalOrderStatuses, type OrderStatus } from '../orders/model.js';
import { submitOrder, type SubmitDeps } from '../orders/submit.js';
import type { PlivoClient, PoolNumberType } from '../plivo/client.js';
import { IdempotencyConflictError, type LineItem, type NumberItem, type OrderItem, type OrderStore } from '../store/order-store.js';
import { keys, TABLE_KEYS } from '../store/table.js';
import type { WorkflowLogger } from '../workflow/deps.js';
import { callingCode } from '../workflow/numbering.js';
import { recordPoolEvents } from './events.js';
import { PolicyStore, poolKeys, type PoolPolicy, type PoolRule, type StoredPolicy } from './policy.js';
import { PoolLock, releaseNumber, type ReleaseItem, ReleaseStore, settleUnfinished } from './releases.js';

export type Decision = 'ok' | 'order' | 'release' | 'report-surplus' | 'capped';

export interface RuleOutcome {
  rule: PoolRule;
  inPool: number;
  inTransit: number;
  min: number;
  target: number;
  max: number;
  decision: Decision;
  /** Numbers ordered, released or reported (0 for ok). */
  quantity: number;
  /** For `capped`: what the deficit was before the cost guard. */
  wanted?: number;
  /** Estimated monthly rental added by this rule (USD). */
  estimatedMonthly?: string;
  orderId?: string;
  /** Numbers removed from the pool and unrented, one by one. */
  released?: { number: string; outcome: 'released' | 'failed'; error?: string }[];
  note?: string;
}

export interface RunRecord {
  runId: string;
  poolUuid: string;
  policyVersion: number;
  dryRun: boolean;
  trigger: 'api' | 'schedule';
  window: string;
  startedAt: string;
  finishedAt: string;
  rules: RuleOutcome[];
  orderId?: string;
  /** Every order placed, when the deficit took more than one (the order limits: 50 lines, 100,000 numbers). */
  orderIds?: string[];
  /** False when the window's order already existed (a retried or overlapping run). */
  orderCreated?: boolean;
  estimatedMonthlyIncrease: string;
  notes: string[];
  /** Webhook deliveries this run recorded (`pool.rebalanced`, `pool.surplus`). */
  webhooks?: { type: string; deliveryId: string }[];
  /**
   * `running` while it acts (recorded before the first order or release, so that a run cut off
   * is found), `finished`, or `interrupted`: cut off, and finished by a later run from what the
   * store and the account say it did.
   */
  state?: 'running' | 'finished' | 'interrupted';
}

export interface PoolsDeps extends SubmitDeps {
  store: OrderStore;
  plivo: PlivoClient;
  /** Length of the schedule window for the idempotency key. @default 3600 s */
  windowSeconds?: number;
  now?: () => Date;
  /** How long a run may hold the pool's release lock. @default 10 minutes */
  releaseLeaseMs?: number;
  /** A run still `running` after this long was cut off (above Lambda's 15 minutes). @default 16 minutes */
  staleRunMs?: number;
  logger?: WorkflowLogger;
}

export class PolicyNotFoundError extends NumberOrdersError {}
export class RunNotFoundError extends NumberOrdersError {}
/** The pool listing answered 404: the policy names a pool Plivo does not know. */
export class PoolNotFoundError extends NumberOrdersError {}

/** Checks that Plivo knows the pool (one listing of 1), as an order's Plan does. @throws PoolNotFoundError */
export async function assertPoolExists(plivo: PlivoClient, poolUuid: string): Promise<void> {
  try {
    await plivo.listPoolNumbers(poolUuid, { limit: 1 });
  } catch (error) {
    if (error instanceof PlivoNotFoundError) throw new PoolNotFoundError(`Plivo has no number pool ${poolUuid} in the account`, { cause: error });
    throw error;
  }
}

const NON_TERMINAL: readonly OrderStatus[] = ['RECEIVED', 'IN_PROGRESS', 'PENDING_REGULATORY'];
// A line PLANNED is still to be rented (only a dry-run order ends PLANNED, and it is terminal as an order).
const TERMINAL_LINES = new Set(['COMPLETED', 'PARTIAL', 'FAILED', 'ROLLED_BACK']);

/** Money as integer units of 1e-5 USD (Plivo gives up to 5 decimals). */
const UNIT = 100_000;
export function toUnits(amount: string | number | null | undefined): number {
  if (amount === null || amount === undefined || amount === '') return 0;
  return Math.round(Number(amount) * UNIT);
}
export const fromUnits = (units: number): string => (units / UNIT).toFixed(2);

function poolType(numberType: PoolRule['numberType']): PoolNumberType {
  if (numberType === 'mobile') return 'mobile';
  if (numberType === 'tollfree') return 'toll-free';
  return 'fixed';
}

function lineMatches(rule: PoolRule, spec: LineItem['spec']): boolean {
  if (spec.countryIso !== rule.countryIso || spec.numberType !== rule.numberType) return false;
  if (rule.prefix !== undefined && !(spec.prefix ?? '').startsWith(rule.prefix)) return false;
  if (rule.region !== undefined && spec.region !== rule.region) return false;
  return true;
}

/**
 * Orders of this pool still working, with their lines: the pool's active-order list (written with
 * each order, read consistently), each order read to check it; ended ones are dropped from the list.
 * Costs one read per order of the pool still listed, never a walk over every order.
 */
async function ordersInTransit(store: OrderStore, poolUuid: string): Promise<Transit[]> {
  const found: Transit[] = [];
  for (const orderId of await store.activeOrderIds(poolUuid)) {
    const order = await store.findOrder(orderId);
    if (order && NON_TERMINAL.includes(order.status)) found.push({ order, lines: await store.getLines(orderId), numbers: await store.lineNumbers(orderId, undefined) });
    else await store.forgetActiveOrder(poolUuid, orderId);
  }
  return found;
}

/** An order of the pool still working: its lines and the numbers it holds so far. */
interface Transit {
  order: OrderItem;
  lines: LineItem[];
  numbers: NumberItem[];
}

interface Counted {
  rule: PoolRule;
  numbers: string[];
  inTransit: number;
}

/** The rule's numbers in the pool: one listing, pages of 20, filtered by Plivo (a pool cannot be filtered by region: not counted apart). */
async function poolNumbers(deps: PoolsDeps, poolUuid: string, policy: PoolPolicy, rule: PoolRule): Promise<string[]> {
  const numbers: string[] = [];
  try {
    for await (const member of deps.plivo.allPoolNumbers(poolUuid, {
      countryIso2: rule.countryIso,
      type: poolType(rule.numberType),
      service: policy.service,
      ...(rule.prefix ? { startsWith: [rule.prefix] } : {}),
    })) {
      numbers.push(member.number);
    }
  } catch (error) {
    if (error instanceof PlivoNotFoundError) throw new PoolNotFoundError(`Plivo has no number pool ${poolUuid} in the account`, { cause: error });
    throw error;
  }
  return numbers;
}

/**
 * Counts each rule. A working line counts in transit for what it still lacks in the pool: its
 * requested quantity less those of its numbers the same listing found in the pool (an assigned
 * number not yet verified is in the pool, and must not be counted twice).
 */
async function count(deps: PoolsDeps, poolUuid: string, policy: PoolPolicy): Promise<{ counted: Counted[]; transit: Transit[] }> {
  const transit = await ordersInTransit(deps.store, poolUuid);
  const counted: Counted[] = [];
  for (const rule of policy.rules) {
    const numbers = await poolNumbers(deps, poolUuid, policy, rule);
    const listed = new Set(numbers);
    let inTransit = 0;
    for (const { lines, numbers: held } of transit) {
      for (const line of lines) {
        if (TERMINAL_LINES.has(line.status) || !lineMatches(rule, line.spec)) continue;
        const inPool = held.filter((n) => n.line === line.line && listed.has(n.number)).length;
        inTransit += Math.max(0, line.requested - inPool);
      }
    }
    counted.push({ rule, numbers, inTransit });
  }
  return { counted, transit };
}

/** The cheapest monthly rental Plivo offers for the rule (units), or undefined when no stock. */
async function rentalRate(plivo: PlivoClient, rule: PoolRule, service: string): Promise<number | undefined> {
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

function newRunId(now: Date): string {
  return `${String(now.getTime()).padStart(13, '0')}-${randomBytes(4).toString('hex')}`;
}

export interface RunOptions {
  dryRun?: boolean;
  trigger?: 'api' | 'schedule';
  /** Plan only, and record nothing (GET /pools/{uuid}). */
  preview?: boolean;
}

/** Runs one pool's rebalance. Throws PolicyNotFoundError when the pool has no policy. */
export async function runRebalance(deps: PoolsDeps, poolUuid: string, options: RunOptions = {}): Promise<RunRecord> {
  const stored = await new PolicyStore(deps.store).get(poolUuid);
  if (!stored) throw new PolicyNotFoundError(`pool ${poolUuid} has no policy`);
  return runWithPolicy(deps, stored, options);
}

async function runWithPolicy(deps: PoolsDeps, stored: StoredPolicy, options: RunOptions): Promise<RunRecord> {
  const now = deps.now?.() ?? new Date();
  const dryRun = (options.dryRun ?? false) || (options.preview ?? false);
  const windowMs = (deps.windowSeconds ?? 3600) * 1000;
  const window = new Date(Math.floor(now.getTime() / windowMs) * windowMs).toISOString();
  const { policy, poolUuid } = stored;
  const record: RunRecord = {
    runId: newRunId(now),
    poolUuid,
    policyVersion: stored.version,
    dryRun,
    trigger: options.trigger ?? 'api',
    window,
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
  const { counted, transit } = await count(deps, poolUuid, policy);
  const cap = policy.maxMonthlyIncrease === undefined ? Infinity : toUnits(policy.maxMonthlyIncrease);
  let spent = 0;
  const toRelease: { outcome: RuleOutcome; excess: number }[] = [];

  for (const { rule, numbers, inTransit } of counted) {
    const inPool = numbers.length;
    const outcome: RuleOutcome = { rule, inPool, inTransit, min: rule.min, target: rule.target, max: rule.max, decision: 'ok', quantity: 0 };
    record.rules.push(outcome);
    if (inPool + inTransit < rule.min) {
      const wanted = rule.target - inPool - inTransit;
      const rate = await rentalRate(deps.plivo, rule, policy.service);
      if (rate === undefined) {
        outcome.decision = 'order';
        outcome.quantity = wanted;
        outcome.note = 'no stock found when estimating the cost; ordered anyway';
        continue;
      }
      const fits = rate === 0 ? wanted : Math.max(0, Math.min(wanted, Math.floor((cap - spent) / rate)));
      outcome.decision = fits < wanted ? 'capped' : 'order';
      outcome.quantity = fits;
      if (fits < wanted) {
        outcome.wanted = wanted;
        outcome.note = `maxMonthlyIncrease ${policy.maxMonthlyIncrease ?? ''} allows ${fits} of ${wanted}`;
      }
      outcome.estimatedMonthly = fromUnits(fits * rate);
      spent += fits * rate;
    } else if (inPool > rule.max) {
      const excess = inPool - rule.target;
      outcome.quantity = excess;
      if (!policy.releaseSurplus) {
        outcome.decision = 'report-surplus';
        continue;
      }
      outcome.decision = 'release';
      if (!dryRun) toRelease.push({ outcome, excess });
    }
  }
  record.estimatedMonthlyIncrease = fromUnits(spent);
  if (record.rules.some((r) => r.decision === 'capped')) record.notes.push(`capped by maxMonthlyIncrease ${policy.maxMonthlyIncrease ?? ''}`);
  const toOrder = record.rules.filter((r) => (r.decision === 'order' || r.decision === 'capped') && r.quantity > 0);
  if (options.preview) return record;

  // A run that acts is recorded first (`running`): if it is cut off, the next run finishes its news.
  const acts = !dryRun && (toRelease.length > 0 || toOrder.length > 0);
  if (acts) {
    record.state = 'running';
    await saveRun(deps.store, record, 'open');
  }
  if (toRelease.length) await releaseSurplus(deps, record, stored, transit, toRelease, now);
  if (toOrder.length && !dryRun) await placeOrders(deps, record, stored, toOrder);
  record.finishedAt = (deps.now?.() ?? new Date()).toISOString();
  record.state = 'finished';
  // State before news: the run is recorded, then its webhooks go to the outbox. A run that acted
  // stays on the open-runs index until its webhooks are recorded, so that a crash in between is
  // finished by the next run.
  await saveRun(deps.store, record, acts ? 'keep-open' : 'create');
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

/**
 * Settles the pool's releases left RELEASING by a run that was cut off (holding the lock, so no
 * release is under way): gone from the account → RELEASED, still there → FAILED. Cheap when there
 * are none (one index query); left to a later run when another holds the lock.
 */
async function settleOpenReleases(deps: PoolsDeps, record: RunRecord, poolUuid: string): Promise<void> {
  if (!(await new ReleaseStore(deps.store).unfinished(poolUuid)).length) return;
  const lock = await PoolLock.acquire(deps.store, poolUuid, deps.releaseLeaseMs ?? RELEASE_LEASE_MS, new Date());
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
async function releaseSurplus(
  deps: PoolsDeps,
  record: RunRecord,
  stored: StoredPolicy,
  transit: readonly Transit[],
  toRelease: readonly { outcome: RuleOutcome; excess: number }[],
  now: Date,
): Promise<void> {
  const { poolUuid, policy } = stored;
  const lock = await PoolLock.acquire(deps.store, poolUuid, deps.releaseLeaseMs ?? RELEASE_LEASE_MS, new Date());
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
      const numbers = await poolNumbers(deps, poolUuid, policy, outcome.rule);
      const wanted = Math.min(excess, Math.max(0, numbers.length - outcome.target));
      outcome.released = await release(deps, { poolUuid, runId: record.runId, lockUntil: lock.until }, outcome.rule, numbers, busy, wanted, policy.releaseWithinDaysOfRenewal, now);
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
 * Time kept back before the lock's lease ends: no release starts later than this. A release is at
 * most two Plivo calls (the remove, and an account read when its outcome is unknown), each up to
 * 170 s with every retry (PlivoHttp.worstCaseMs), then a DynamoDB write: a release under way always
 * ends before another run can take the lock and settle it.
 */
const LOCK_MARGIN_MS = 400_000;
/** The pool lock's lease: Lambda's longest run, which leaves 500 s in which releases may start. */
const RELEASE_LEASE_MS = 900_000;

/**
 * The deficit rules in as few orders as the order limits allow (50 lines, 100,000 numbers; a
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

/**
 * Places the deficit through the normal order path: one order per chunk (splitIntoOrders), each
 * keyed by pool, policy version, window and chunk, so two runs of one window place each at most
 * once. An order the window already holds with another plan, or a plan the order schema refuses,
 * is a note on the run, not a failure.
 */
async function placeOrders(deps: PoolsDeps, record: RunRecord, stored: StoredPolicy, toOrder: readonly RuleOutcome[]): Promise<void> {
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
        idempotency: { scope: `rebalance:${poolUuid}`, key: `v${stored.version}:${record.window}${index ? `:${index}` : ''}` },
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

async function release(
  deps: PoolsDeps,
  run: { poolUuid: string; runId: string; lockUntil: Date },
  rule: PoolRule,
  numbers: readonly string[],
  busy: ReadonlySet<string>,
  wanted: number,
  withinDays: number,
  now: Date,
): Promise<NonNullable<RuleOutcome['released']>> {
  const limit = new Date(now.getTime() + withinDays * 86_400_000).toISOString().slice(0, 10);
  const renewing = await renewingBy(deps.plivo, rule, limit);
  // Inside the window only, soonest renewal first (the least prepaid rental given up).
  const candidates = numbers.filter((n) => renewing.has(n)).sort((a, b) => ((renewing.get(a) ?? '') < (renewing.get(b) ?? '') ? -1 : 1));
  const owners = new Map((await deps.store.owners(candidates)).map((o) => [o.number, o.orderId]));
  const releases = new ReleaseStore(deps.store);
  const done: NonNullable<RuleOutcome['released']> = [];
  let released = 0;
  for (const number of candidates) {
    if (released >= wanted) break;
    if (Date.now() > run.lockUntil.getTime() - LOCK_MARGIN_MS) break; // the rest waits for the next run
    if (busy.has(number)) continue;
    const owner = owners.get(number);
    if (owner) {
      const order = await deps.store.findOrder(owner);
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
  return done;
}

// ---- records ------------------------------------------------------------------------------

/**
 * `create` a run's record that never acted; `open` a running one (also on the sparse index of
 * open runs); `keep-open` to update it there; `close` it (off the index); `update` a closed one.
 */
async function saveRun(store: OrderStore, record: RunRecord, mode: 'create' | 'open' | 'keep-open' | 'close' | 'update'): Promise<void> {
  const open = mode === 'open' || mode === 'keep-open';
  await store.db.send(
    new PutCommand({
      TableName: store.tableName,
      Item: {
        ...poolKeys.run(record.poolUuid, record.runId),
        record,
        ...(open ? { gsi1pk: OPEN_RUNS_INDEX_PK, gsi1sk: `${record.poolUuid}#${record.runId}` } : {}),
      },
      ConditionExpression: mode === 'create' || mode === 'open' ? 'attribute_not_exists(pk)' : 'attribute_exists(pk)',
    }),
  );
}

const OPEN_RUNS_INDEX_PK = 'POOL_RUNS_OPEN';

/**
 * Records the run's webhooks (state before news: the run is saved already; the delivery ids are
 * the run's, so recording them again finds the first), notes them on its record, and saves it
 * (`close` takes an open run off the index last).
 */
async function announce(deps: PoolsDeps, record: RunRecord, callbackUrl: string | undefined, mode: 'close' | 'update') {
  const deliveries = await recordPoolEvents(deps.store, record, callbackUrl);
  if (deliveries.length) record.webhooks = deliveries.map((d) => ({ type: d.type, deliveryId: d.deliveryId }));
  if (deliveries.length || mode === 'close') await saveRun(deps.store, record, mode);
  return deliveries;
}

/**
 * Finishes the runs of this pool that were cut off while acting (still `running` after
 * `staleRunMs`): what they ordered is read back from the window's idempotency keys, what they
 * released from their release records (settled already); the record becomes `interrupted` and
 * its webhooks are recorded — the same delivery ids the run itself would have used.
 */
async function finishInterruptedRuns(deps: PoolsDeps, stored: StoredPolicy, current: RunRecord): Promise<void> {
  const { poolUuid } = stored;
  const open = await deps.store.db.send(
    new QueryCommand({
      TableName: deps.store.tableName,
      IndexName: TABLE_KEYS.gsi1.name,
      KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :pool)',
      ExpressionAttributeValues: { ':pk': OPEN_RUNS_INDEX_PK, ':pool': `${poolUuid}#` },
    }),
  );
  const staleBefore = Date.parse(current.startedAt) - (deps.staleRunMs ?? 16 * 60_000);
  const releases = new ReleaseStore(deps.store);
  for (const item of open.Items ?? []) {
    const run = item.record as RunRecord;
    if (run.runId === current.runId || Date.parse(run.startedAt) > staleBefore) continue;
    if (run.state === 'running') {
      const released = await releases.forRun(poolUuid, run.runId);
      // A release not settled yet (another run holds the lock): the run is finished later.
      if (released.some((r) => r.status === 'RELEASING')) continue;
      await creditOrders(deps, run);
      assignReleases(run, released);
      run.state = 'interrupted';
      run.finishedAt = new Date().toISOString();
      run.notes.push(`cut off while acting; finished by run ${current.runId} from the orders and release records it left`);
      await saveRun(deps.store, run, 'keep-open');
    }
    // A `finished` run still open was cut off between its record and its webhooks: only those are left.
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
  const planned = run.rules.filter((r) => (r.decision === 'order' || r.decision === 'capped') && r.quantity > 0);
  const orderIds: string[] = [];
  for (const [index, chunk] of splitIntoOrders(planned).entries()) {
    const key = keys.idempotency(`rebalance:${run.poolUuid}`, `v${run.policyVersion}:${run.window}${index ? `:${index}` : ''}`);
    const found = await deps.store.getRecord<{ orderId: string }>(key);
    const order = found ? await deps.store.findOrder(found.orderId) : undefined;
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

export async function listRuns(store: OrderStore, poolUuid: string, limit = 20): Promise<RunRecord[]> {
  const result = await store.db.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :runs)',
      ExpressionAttributeValues: { ':pk': poolKeys.policy(poolUuid).pk, ':runs': poolKeys.runPrefix },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return (result.Items ?? []).map((item) => item.record as RunRecord);
}

export async function getRun(store: OrderStore, poolUuid: string, runId: string): Promise<RunRecord> {
  const result = await store.db.send(new GetCommand({ TableName: store.tableName, Key: poolKeys.run(poolUuid, runId) }));
  if (!result.Item) throw new RunNotFoundError(`pool ${poolUuid} has no run ${runId}`);
  return result.Item.record as RunRecord;
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
  const pools = await new PolicyStore(deps.store).poolsWithPolicy();
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
      deps.logger?.error(REBALANCE_FAILED_LOG_MESSAGE, { poolUuid, error: message });
      results.push({ poolUuid, error: message });
    }
  }
  return results;
}
