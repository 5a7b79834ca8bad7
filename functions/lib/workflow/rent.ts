/**
 * Rent (one line): rent each planned group's quantity, recording an intent before every rent and
 * claiming the rented numbers (one owner each) right after. A rent whose outcome is unknown (a
 * timeout, a 5xx, a crash between rent and record) is never repeated blindly: the intent is
 * reconciled against the account's numbers first (docs/design.md, invariant 2).
 */
import {
  InconsistentRecordError,
  PlivoAuthError,
  PlivoBadRequestError,
  PlivoError,
  PlivoNotFoundError,
  PlivoOutcomeUnknownError,
  PlivoRateLimitedError,
} from '../errors.js';
import type { PlannedGroup } from '../orders/model.js';
import type { IntentItem, LineItem, OrderItem } from '../store/items.js';
import { buyLine, complianceOf, reconcileOpenBuys } from './buy-numbers.js';
import { claimAnswered } from './claim-answered.js';
import { BUDGET_RESERVE_MS, type Budget, hasTime, type WorkflowDeps } from './deps.js';
import { recordOf } from './errors.js';
import { rentingDone } from './link.js';
import { accountTypeFilter, callingCode, isOfLineType, kindOfGroup } from './numbering.js';
import { planLine } from './plan.js';
import { RENT_LOCK_LEASE_MS, releaseLeftLocks, withRentLock } from './rent-lock.js';

export interface RentResult {
  /** True when time ran out with rents still to do: call again. */
  more: boolean;
  /** What the line does next: add to the pool, wait for regulatory numbers, or stop. */
  next: 'assign' | 'link' | 'wait' | 'done';
}

/** When a line's wait for regulatory numbers ends: the order's creation plus its deadline. */
export function regulatoryDeadline(order: OrderItem): Date {
  const days = order.request.regulatoryDeadlineDays ?? 30;
  return new Date(Date.parse(order.createdAt) + days * 86_400_000);
}

const WAIT: RentResult = { more: false, next: 'wait' };

/**
 * How long after its line's deadline a pending order's delivery is still expected. Plivo does not
 * say how long a pending order may take, nor tells when it is refused; we chose 90 days.
 */
const DELIVERY_GRACE_MS = 90 * 86_400_000;

/**
 * Records what a line expects Plivo to deliver for one rent: a pending order's numbers (certain),
 * or, for a rent whose answer was lost in a country whose rents Plivo answers pending, the numbers
 * it may have ordered (uncertain, until the line's deadline).
 */
async function expectDelivery(deps: WorkflowDeps, order: OrderItem, line: LineItem, intent: IntentItem, uncertain: boolean): Promise<void> {
  const deadline = regulatoryDeadline(order).getTime();
  await expectNumbers(deps, line, intent, intent.quantity, uncertain, new Date(uncertain ? deadline : deadline + DELIVERY_GRACE_MS));
}

async function expectNumbers(deps: WorkflowDeps, line: LineItem, intent: IntentItem, quantity: number, uncertain: boolean, expectedUntil: Date): Promise<void> {
  await deps.store.expectations.expect({
    orderId: intent.orderId,
    line: line.line,
    seq: intent.seq,
    groupId: intent.groupId,
    quantity,
    ...kindOfGroup(line, intent.groupId),
    region: line.spec.region ?? null,
    uncertain,
    since: intent.startedAt,
    expectedUntil: expectedUntil.toISOString(),
  });
}

/**
 * How long a rent whose answer was lost, and whose numbers were not in the account when it was
 * reconciled, may still be carried out by Plivo (a request it worked on after its client gave up).
 * Plivo does not say; we chose an hour, four reconciler runs in AWS.
 */
export const LATE_RENT_WINDOW_MS = 3_600_000;

/** Tries per group whose rents were found not to have happened, before the group is given up. */
const MAX_NOT_APPLIED_PER_GROUP = 3;
/** Times a line's plan is topped up with a fresh search when numbers failed at rent. */
const MAX_REPLANS = 2;

/** Adds a top-up plan to the line's plan (a group already planned gets the extra quantity). */
function mergePlans(plan: readonly PlannedGroup[], extra: readonly PlannedGroup[]): PlannedGroup[] {
  const merged = plan.map((group) => ({ ...group }));
  for (const group of extra) {
    const existing = merged.find((g) => g.groupId === group.groupId);
    if (existing) existing.quantity += group.quantity;
    else merged.push({ ...group });
  }
  return merged;
}

function consumedFrom(intents: IntentItem[], groupId: string): { consumed: number; notApplied: number; rejected: boolean } {
  let consumed = 0;
  let notApplied = 0;
  let rejected = false;
  for (const intent of intents) {
    if (intent.groupId !== groupId) continue;
    if (intent.status === 'DONE') consumed += intent.quantity;
    if (intent.status === 'NOT_APPLIED') notApplied++;
    if (intent.status === 'REJECTED') rejected = true;
  }
  return { consumed, notApplied, rejected };
}

/**
 * Walks the account's numbers that could have come from this group, newest first where Plivo
 * lists oldest first (it pages from the end), and yields pages.
 */
async function* accountCandidates(deps: WorkflowDeps, line: LineItem, group: PlannedGroup): AsyncGenerator<string[]> {
  const filters = {
    numberStartsWith: `${callingCode(line.spec.countryIso)}${group.prefix ?? ''}`,
    ...accountTypeFilter(line.spec.numberType),
  };
  const ofLine = (objects: readonly { number: string; number_type?: string | null | undefined }[]): string[] =>
    objects.filter((n) => isOfLineType(line.spec.numberType, n.number_type)).map((n) => n.number);
  const first = await deps.plivo.listAccountNumbers({ ...filters, offset: 0, limit: 20 });
  const total = first.meta.total_count;
  const lastPageOffset = Math.floor(Math.max(0, total - 1) / 20) * 20;
  if (lastPageOffset === 0) {
    yield ofLine(first.objects);
    return;
  }
  for (let offset = lastPageOffset; offset > 0; offset -= 20) {
    const page = await deps.plivo.listAccountNumbers({ ...filters, offset, limit: 20 });
    yield ofLine(page.objects);
  }
  yield ofLine(first.objects);
}

/**
 * Settles an intent whose rent may or may not have happened: numbers of the group's kind that the
 * account holds and no order owns are claimed for this line, up to the intent's quantity.
 */
export async function reconcileIntent(deps: WorkflowDeps, line: LineItem, intent: IntentItem): Promise<number> {
  const group = line.plan.find((g) => g.groupId === intent.groupId);
  if (!group) throw new InconsistentRecordError(`intent ${intent.seq} of line ${line.line} names group ${intent.groupId}, which is not in the plan`);
  const claimed: string[] = [];
  for await (const page of accountCandidates(deps, line, group)) {
    const owned = new Set((await deps.store.numbers.owners(page)).map((owner) => owner.number));
    const unowned = page.filter((number) => !owned.has(number)).slice(0, intent.quantity - claimed.length);
    if (unowned.length > 0) {
      const result = await deps.store.numbers.claim(intent.orderId, intent.line, intent.groupId, unowned);
      claimed.push(...result.claimed);
    }
    if (claimed.length >= intent.quantity) break;
  }
  const regulated = claimed.length === 0 && (await deps.store.expectations.isRegulated(line.spec.countryIso, line.spec.numberType));
  if (regulated) {
    // Nothing in the account may still be a pending order Plivo created: its numbers would come
    // later, after the line has rented again. Expect them, so that they are claimed, not orphaned.
    await expectDelivery(deps, await deps.store.orders.get(intent.orderId), line, intent, true);
  } else if (claimed.length < intent.quantity) {
    // Plivo may still carry the rent out (it worked on it after we gave up): expect the numbers
    // for a while, so that the reconciler claims them for this line (and releases them if the line
    // no longer needs them) instead of finding numbers nobody owns.
    await expectNumbers(deps, line, intent, intent.quantity - claimed.length, true, new Date(Date.parse(intent.startedAt) + LATE_RENT_WINDOW_MS));
  }
  await deps.store.intents.finish(intent, claimed.length > 0 ? 'DONE' : 'NOT_APPLIED', { rented: claimed.length, failed: 0 });
  deps.logger.warn('rent with unknown outcome reconciled', {
    orderId: intent.orderId,
    line: intent.line,
    groupId: intent.groupId,
    quantity: intent.quantity,
    found: claimed.length,
  });
  return claimed.length;
}

/** Who holds a rent lock: the line (a retried step of the same line takes its own lock again). */
const holderOf = (line: Pick<LineItem, 'orderId' | 'line'>) => `${line.orderId}#${line.line}`;

/** How long a step may wait for a rent lock: what its budget leaves, at most one lease. */
const lockWaitMs = (budget: Budget) => Math.max(0, Math.min(RENT_LOCK_LEASE_MS, budget.remainingMs() - BUDGET_RESERVE_MS));

/**
 * Reconciles every intent of a line that is still open (after a crash or an unknown outcome),
 * each under its kind's rent lock. False when a lock stayed busy: call again later.
 */
export async function reconcileOpenIntents(deps: WorkflowDeps, orderId: string, line: LineItem, budget: Budget): Promise<boolean> {
  // A buy names its number: it is settled by looking for exactly that number, no lock needed.
  if (line.spec.numbers) {
    await reconcileOpenBuys(deps, orderId, line);
    return true;
  }
  for (const intent of await deps.store.intents.list(orderId, line.line)) {
    if (intent.status !== 'STARTED') continue;
    const done = await withRentLock(deps, kindOfGroup(line, intent.groupId), holderOf(line), lockWaitMs(budget), async () => {
      await reconcileIntent(deps, line, intent);
      return true;
    });
    if (!done) return false;
  }
  return true;
}

async function rentOnce(deps: WorkflowDeps, order: OrderItem, line: LineItem, group: PlannedGroup, quantity: number): Promise<'rented' | 'pending' | 'unknown' | 'rejected'> {
  const intent = await deps.store.intents.start(order.orderId, line.line, group.groupId, quantity);
  let result;
  try {
    result = await deps.plivo.rentFromGroup(group.groupId, { quantity, ...complianceOf(line) });
  } catch (error) {
    if (error instanceof PlivoOutcomeUnknownError) {
      await reconcileIntent(deps, line, intent);
      return 'unknown';
    }
    if (error instanceof PlivoRateLimitedError || error instanceof PlivoAuthError) {
      // Plivo did nothing: close the intent, and let Step Functions retry later (or fail the order).
      await deps.store.intents.finish(intent, 'NOT_APPLIED', { rented: 0, failed: 0 });
      throw error;
    }
    if (error instanceof PlivoBadRequestError || error instanceof PlivoNotFoundError) {
      await deps.store.intents.finish(intent, 'REJECTED', { rented: 0, failed: 0 });
      await deps.store.lines.recordError(order.orderId, line.line, recordOf(error, line.line));
      return 'rejected';
    }
    if (error instanceof PlivoError) {
      // Any other Plivo failure of a non-idempotent call leaves the outcome open: reconcile.
      await reconcileIntent(deps, line, intent);
      return 'unknown';
    }
    throw error;
  }
  if (result.status === 'pending') {
    // Plivo will deliver these numbers into the account later (or never): the line expects them,
    // whether or not it is still waiting when they come.
    await deps.store.expectations.markRegulated(line.spec.countryIso, line.spec.numberType);
    await expectDelivery(deps, order, line, intent, false);
    await deps.store.intents.finish(intent, 'DONE', { rented: 0, failed: 0 });
    await deps.store.lines.setStatus(order.orderId, line.line, 'PENDING_REGULATORY', { pendingDetails: result.details ?? result.message ?? '' });
    deps.logger.info('rent pending under address regulations', { orderId: order.orderId, line: line.line, groupId: group.groupId, details: result.details });
    return 'pending';
  }
  const claimed = await claimAnswered(deps, order.orderId, line.line, group.groupId, result.rented);
  // Numbers "pending" verification are in the account and paid for: ours from now on, like any other.
  const pending = await claimAnswered(deps, order.orderId, line.line, group.groupId, result.pending, 'PENDING');
  await deps.store.intents.finish(intent, 'DONE', { rented: claimed.length + pending.length, failed: result.failed.length });
  if (result.failed.length > 0) {
    await deps.store.lines.recordError(
      order.orderId,
      line.line,
      recordOf(new Error(`${result.failed.length} of ${quantity} numbers failed at rent (${result.failed[0]?.status ?? 'failed'})`), line.line),
    );
  }
  if (result.pending.length > 0) await deps.store.expectations.markRegulated(line.spec.countryIso, line.spec.numberType);
  if (pending.length > 0) {
    // Fulfilled, but these numbers await verification documents: the line waits until Plivo
    // activates them (the reconciler sees it and resumes the line) or its deadline releases them.
    const details = `${pending.length} numbers in the account await verification: ${pending.join(', ')}`;
    await deps.store.lines.setStatus(order.orderId, line.line, 'PENDING_REGULATORY', { pendingDetails: details });
    deps.logger.info('rented numbers pending verification', { orderId: order.orderId, line: line.line, groupId: group.groupId, pending });
    return 'pending';
  }
  return 'rented';
}

export async function rentLine(deps: WorkflowDeps, orderId: string, lineIndex: number, budget: Budget): Promise<RentResult> {
  const order = await deps.store.orders.get(orderId);
  let line = await deps.store.lines.get(orderId, lineIndex);
  if (order.status === 'CANCELLED' || order.rollback === 'all') return { more: false, next: 'done' };
  if (line.status === 'PENDING_REGULATORY') return WAIT;
  if (line.spec.numbers) return buyLine(deps, order, line, budget);
  if (!(await reconcileOpenIntents(deps, orderId, line, budget))) return { more: true, next: 'assign' };
  await deps.store.lines.setStatus(orderId, lineIndex, 'RENTING');

  for (;;) {
    line = await deps.store.lines.get(orderId, lineIndex);
    const remaining = line.requested - line.rented;
    if (remaining <= 0) break;
    const intents = await deps.store.intents.list(orderId, lineIndex);
    const candidate = line.plan
      .map((group) => ({ group, ...consumedFrom(intents, group.groupId) }))
      .find(({ group, consumed, notApplied, rejected }) => !rejected && notApplied < MAX_NOT_APPLIED_PER_GROUP && consumed < group.quantity);
    if (!candidate) {
      // Numbers failed at rent, or groups ran dry: top the plan up from a fresh search, a few times.
      const replans = line.replans ?? 0;
      if (replans >= MAX_REPLANS || !hasTime(budget)) break;
      const rejected = new Set(intents.filter((i) => i.status === 'REJECTED').map((i) => i.groupId));
      const extra = await planLine(deps, order, { ...line, spec: { ...line.spec, quantity: remaining } }, rejected);
      await deps.store.lines.savePlan(orderId, lineIndex, mergePlans(line.plan, extra), 'RENTING', replans + 1);
      if (extra.length === 0) break;
      continue;
    }
    if (!hasTime(budget)) return { more: true, next: 'assign' };
    const quantity = Math.min(candidate.group.quantity - candidate.consumed, remaining);
    const renting = line;
    const outcome = await withRentLock(deps, kindOfGroup(renting, candidate.group.groupId), holderOf(renting), lockWaitMs(budget), () =>
      rentOnce(deps, order, renting, candidate.group, quantity),
    );
    // Another rent of this kind held the lock all along: come back (nothing was rented).
    if (outcome === undefined) return { more: true, next: 'assign' };
    if (outcome === 'pending') {
      await deps.store.orders.setStatus(orderId, 'PENDING_REGULATORY', ['IN_PROGRESS']);
      return WAIT;
    }
  }

  line = await deps.store.lines.get(orderId, lineIndex);
  // Renting is over for this line: no lock of it may outlive it (one kept by a killed attempt).
  const ended = line;
  await releaseLeftLocks(deps, ended.plan.map((group) => kindOfGroup(ended, group.groupId)), holderOf(ended));
  if (line.rented === 0) {
    await deps.store.lines.setStatus(orderId, lineIndex, 'FAILED');
    return { more: false, next: 'done' };
  }
  return rentingDone(deps, order, line);
}
