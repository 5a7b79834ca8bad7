/**
 * The account: its rented numbers, what they cost, the pending (regulatory) orders that have not
 * delivered yet, and the numbers it gave back.
 *
 * Listing order is (added time, number), which offset pagination needs to be reliable. Each batch
 * of numbers gets an added time strictly after the previous batch's, and is appended sorted by
 * number, so the append order is that order and no sort is ever needed. Unrented numbers leave
 * the map at once and the order array lazily (compacted when a listing finds many holes), so
 * unrenting 100,000 numbers one by one stays linear.
 */
import type { NumberGroup } from './catalogue.js';
import type { AccountNumber, Charge, PendingOrder, Renewal, Unrent } from './model.js';
import { anniversary, renewalsDue } from './renewal.js';

export interface AccountData {
  numbers: AccountNumber[];
  charges: Charge[];
  pendingOrders: PendingOrder[];
  unrented: Unrent[];
  nextPendingId: number;
  renewals?: Renewal[];
}

export class Account {
  private readonly numbers = new Map<string, AccountNumber>();
  private order: string[] = [];
  /** Unrented numbers whose entry is still in `order` (dropped when a listing compacts it). */
  private gone = new Set<string>();
  private lastAddedMs = 0;
  private charges: Charge[] = [];
  private readonly pending = new Map<string, PendingOrder>();
  private unrented: Unrent[] = [];
  private renewals: Renewal[] = [];
  private nextPendingId = 1;

  get(number: string): AccountNumber | undefined {
    return this.numbers.get(number);
  }

  has(number: string): boolean {
    return this.numbers.has(number);
  }

  get size(): number {
    return this.numbers.size;
  }

  /** Every number, in listing order. */
  list(): AccountNumber[] {
    const out: AccountNumber[] = [];
    for (const number of this.order) {
      const record = this.numbers.get(number);
      if (record) out.push(record);
    }
    if (this.order.length > 2 * out.length + 1_000) {
      this.order = out.map((record) => record.number);
      this.gone.clear();
    }
    return out;
  }

  /**
   * Numbers enter the account (rented, or delivered by an approved pending order) and are charged.
   * Pending numbers (the per-number pending shape) enter inactive and are charged when activated.
   */
  add(
    group: NumberGroup,
    numbers: readonly string[],
    appId: string | null,
    nowMs: number,
    { pending = false, listedAsFixed = () => false }: { pending?: boolean; listedAsFixed?: (number: string) => boolean } = {},
  ): AccountNumber[] {
    const addedMs = Math.max(nowMs, this.lastAddedMs + 1);
    this.lastAddedMs = addedMs;
    const addedAt = new Date(addedMs).toISOString();
    const records = [...numbers].sort().map(
      (number): AccountNumber => ({
        number,
        groupId: group.groupId,
        countryIso2: group.countryIso2,
        numberType: group.numberType,
        region: group.numberRegion,
        addedAt,
        alias: null,
        appId,
        subaccount: null,
        monthlyRentalRate: group.rentalRate,
        voiceEnabled: group.voiceEnabled,
        smsEnabled: group.smsEnabled,
        mmsEnabled: group.mmsEnabled,
        voiceRate: group.voiceRate,
        smsRate: group.smsRate,
        mmsRate: group.mmsRate,
        ...(pending ? { pending: true } : {}),
        ...(group.numberType === 'local' && listedAsFixed(number) ? { listedAsFixed: true } : {}),
      }),
    );
    // A reissued number comes back at the end of the listing: drop its old place first.
    const back = new Set(numbers.filter((number) => this.gone.delete(number)));
    if (back.size > 0) this.order = this.order.filter((number) => !back.has(number));
    for (const record of records) {
      this.numbers.set(record.number, record);
      this.order.push(record.number);
      if (!pending) this.charge(group, record.number, addedAt);
    }
    return records;
  }

  /** Pending numbers become active, and are charged now (as a delivered pending order is). */
  activate(group: NumberGroup, numbers: readonly string[], nowMs: number): void {
    const at = new Date(nowMs).toISOString();
    for (const number of numbers) {
      const record = this.numbers.get(number);
      if (!record?.pending) continue;
      delete record.pending;
      this.charge(group, number, at);
    }
  }

  /** A rejected pending number leaves the account without being recorded as unrented (it never was rented). */
  withdraw(number: string): void {
    // Gone like an unrented number: if it comes back, it is listed once, where it came back.
    if (this.numbers.delete(number)) this.gone.add(number);
  }

  private charge(group: NumberGroup, number: string, chargedAt: string): void {
    this.charges.push({ number, groupId: group.groupId, setupRate: group.setupRate, rentalRate: group.rentalRate, chargedAt });
  }

  update(number: string, changes: Partial<Pick<AccountNumber, 'alias' | 'appId' | 'subaccount'>>): void {
    const record = this.numbers.get(number);
    if (record) Object.assign(record, changes);
  }

  /** Unrent: the number leaves the account. Nothing is refunded (Plivo bills the month up front). */
  remove(number: string, nowMs: number): boolean {
    if (!this.numbers.delete(number)) return false;
    this.gone.add(number);
    this.unrented.push({ number, at: new Date(nowMs).toISOString() });
    return true;
  }

  allCharges(): readonly Charge[] {
    return this.charges;
  }

  /**
   * Charges every monthly renewal whose anniversary falls on or before `nowMs`'s day and has not
   * been charged yet (a clock moved forward by months charges each month).
   */
  chargeRenewals(nowMs: number): number {
    let charged = 0;
    for (const record of this.numbers.values()) {
      const due = renewalsDue(record.addedAt, nowMs);
      for (let k = (record.renewalsCharged ?? 0) + 1; k <= due; k++) {
        this.renewals.push({ number: record.number, rentalRate: record.monthlyRentalRate, date: anniversary(record.addedAt, k) });
        charged++;
      }
      if (due > (record.renewalsCharged ?? 0)) record.renewalsCharged = due;
    }
    return charged;
  }

  allRenewals(): readonly Renewal[] {
    return this.renewals;
  }

  allUnrented(): readonly Unrent[] {
    return this.unrented;
  }

  createPending(group: NumberGroup, numbers: readonly string[], appId: string | null, nowMs: number, inAccount = false): PendingOrder {
    const order: PendingOrder = {
      ...(inAccount ? { inAccount: true } : {}),
      id: `pending-${this.nextPendingId++}`,
      groupId: group.groupId,
      quantity: numbers.length,
      numbers: [...numbers],
      appId,
      createdAt: new Date(nowMs).toISOString(),
    };
    this.pending.set(order.id, order);
    return order;
  }

  pendingOrders(): PendingOrder[] {
    return [...this.pending.values()];
  }

  /** Removes and returns a pending order (to approve or reject it). */
  takePending(id: string): PendingOrder | undefined {
    const order = this.pending.get(id);
    this.pending.delete(id);
    return order;
  }

  toData(): AccountData {
    return {
      numbers: this.list(),
      charges: this.charges,
      pendingOrders: this.pendingOrders(),
      unrented: this.unrented,
      nextPendingId: this.nextPendingId,
      renewals: this.renewals,
    };
  }

  load(data: AccountData): void {
    this.numbers.clear();
    for (const record of data.numbers) this.numbers.set(record.number, record);
    this.order = data.numbers.map((record) => record.number);
    this.lastAddedMs = data.numbers.reduce((latest, record) => Math.max(latest, Date.parse(record.addedAt)), 0);
    this.charges = [...data.charges];
    this.pending.clear();
    for (const order of data.pendingOrders) this.pending.set(order.id, order);
    this.unrented = [...data.unrented];
    this.renewals = [...(data.renewals ?? [])];
    this.nextPendingId = data.nextPendingId;
  }
}
