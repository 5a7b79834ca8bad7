/**
 * Deliveries a line expects from Plivo: the numbers of a pending order, which arrive in the account
 * when Plivo approves it — days later, maybe after the line stopped waiting (deadline, cancel,
 * rollback) — or of a rent whose answer was lost. Plivo charges for each one on arrival, so the
 * reconciler claims every matching number for the line that expected it (oldest expectation first,
 * at most its quantity, atomically with its count): the line keeps it when it still waits for
 * numbers, and otherwise the number is released on the same pass.
 */
import { randomUUID } from 'node:crypto';
import type { AccountNumber } from '../plivo/schemas.js';
import type { ExpectationItem, LineItem, NumberItem } from '../store/items.js';
import { poolOps } from './assign.js';
import type { WorkflowDeps } from './deps.js';
import { callingCode, kindKey, matchesKind } from './numbering.js';
import { releaseAndRecord } from './release.js';
import { withRentLock } from './rent-lock.js';

/** How long the reconciler waits for a kind's rent lock before leaving a delivery for its next pass. */
const LOCK_WAIT_MS = 5_000;

/** What became of an account number offered to the expectations. */
export type Offer = 'kept' | 'released-later' | 'deferred' | 'owned' | 'unexpected';

/** Whether a number in the account can be (part of) what an expectation awaits. */
export function matchesExpectation(expectation: ExpectationItem, number: Pick<AccountNumber, 'number' | 'number_type' | 'region' | 'added_on'>): boolean {
  if (!matchesKind(expectation, number)) return false;
  // A lost answer's delivery, if there is one, came after the rent: Plivo's `added_on` is a day.
  if (expectation.uncertain && number.added_on && number.added_on.slice(0, 10) < expectation.since.slice(0, 10)) return false;
  return true;
}

/** The account listings (number_startswith) that cover every open expectation. */
export function expectationPrefixes(expectations: readonly ExpectationItem[]): string[] {
  return expectations.map((e) => `${callingCode(e.countryIso)}${e.prefix ?? ''}`);
}

/**
 * The expectations still open, oldest first. Those delivered in full are forgotten; so are those
 * past their time, with a warning (what Plivo never delivered is nothing we pay for).
 */
export async function openExpectations(deps: Pick<WorkflowDeps, 'store' | 'logger'>, now: Date): Promise<ExpectationItem[]> {
  const open: ExpectationItem[] = [];
  for (const expectation of await deps.store.expectations.list()) {
    if (expectation.delivered >= expectation.quantity) {
      await deps.store.expectations.forget(expectation);
    } else if (expectation.expectedUntil <= now.toISOString()) {
      await deps.store.expectations.forget(expectation);
      deps.logger.warn('an expected delivery did not come: no longer expected', {
        orderId: expectation.orderId,
        line: expectation.line,
        groupId: expectation.groupId,
        quantity: expectation.quantity,
        delivered: expectation.delivered,
        uncertain: expectation.uncertain,
      });
    } else {
      open.push(expectation);
    }
  }
  return open;
}

/**
 * One reconciler pass's claims of delivered numbers. `offer` each unowned, active account number;
 * `releaseSurplus` at the end gives back what was claimed for lines that no longer need it.
 */
export class DeliveryClaims {
  /** Lines read this pass (their counts move as numbers are claimed). */
  private readonly lines = new Map<string, LineItem>();
  private readonly surplus: NumberItem[] = [];
  /** Kinds whose rent lock stayed busy this pass: their other deliveries wait for the next pass without waiting again. */
  private readonly busyKinds = new Set<string>();
  private readonly holder = `reconciler#${randomUUID()}`;
  kept = 0;

  constructor(
    private readonly deps: WorkflowDeps,
    private readonly expectations: ExpectationItem[],
    private readonly lockWaitMs = LOCK_WAIT_MS,
  ) {}

  get open(): number {
    return this.expectations.filter((e) => e.delivered < e.quantity).length;
  }

  async offer(number: AccountNumber): Promise<Offer> {
    for (const expectation of this.expectations) {
      if (expectation.delivered >= expectation.quantity || !matchesExpectation(expectation, number)) continue;
      const line = await this.line(expectation);
      const waiting = line.status === 'PENDING_REGULATORY';
      // A line still renting may yet take the number as its own (its Rent reconciles open rents
      // against the account): next pass. A line past renting never takes another number, and its
      // status stays where its work ended until the whole order ends (days, while another line
      // waits on regulations): its delivery is claimed and released now, like an ended line's.
      if (line.status === 'RENTING') return 'deferred';
      // Under the kind's rent lock: a rent of this kind between Plivo's answer and its claim keeps its numbers.
      // A lock that stayed busy (a rent under way, or a lease left by a holder that died) is waited
      // for once a pass: hundreds of deliveries of one kind would otherwise wait in turn.
      const kind = kindKey(expectation);
      if (this.busyKinds.has(kind)) return 'deferred';
      const outcome = await withRentLock(this.deps, expectation, this.holder, this.lockWaitMs, () => this.deps.store.numbers.claimDelivery(expectation, number.number));
      if (outcome === undefined) {
        this.busyKinds.add(kind);
        return 'deferred';
      }
      if (outcome === 'full') {
        expectation.delivered = expectation.quantity;
        continue;
      }
      if (outcome === 'owned') return 'owned';
      expectation.delivered++;
      const keep = waiting && line.rented < line.requested;
      line.rented++;
      this.deps.logger.info(keep ? 'expected number delivered' : 'expected number delivered after its line stopped waiting: released', {
        orderId: expectation.orderId,
        line: expectation.line,
        number: number.number,
      });
      if (keep) {
        this.kept++;
        return 'kept';
      }
      this.surplus.push({ orderId: expectation.orderId, line: expectation.line, number: number.number, status: 'RENTED', groupId: expectation.groupId, readds: 0, updatedAt: '' });
      return 'released-later';
    }
    return 'unexpected';
  }

  /** Releases the numbers claimed for lines that did not need them; returns how many were released. */
  async releaseSurplus(): Promise<{ released: number; leaked: number }> {
    let released = 0;
    let leaked = 0;
    for (const item of this.surplus) {
      const order = await this.deps.store.orders.get(item.orderId);
      const line = await this.deps.store.lines.get(item.orderId, item.line);
      if (await releaseAndRecord(this.deps, poolOps(this.deps, order, line), item)) released++;
      else leaked++;
    }
    this.surplus.length = 0;
    return { released, leaked };
  }

  private async line(expectation: ExpectationItem): Promise<LineItem> {
    const key = `${expectation.orderId}#${expectation.line}`;
    let line = this.lines.get(key);
    if (!line) {
      line = await this.deps.store.lines.get(expectation.orderId, expectation.line);
      this.lines.set(key, line);
    }
    return line;
  }
}
