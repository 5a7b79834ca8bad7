/**
 * Everything the sandbox knows, in one object: the inventory, the account (numbers, charges,
 * pending orders) and the pools, plus the seeded random streams. The operations that touch more
 * than one part (renting moves numbers from stock to the account; unrenting also empties the
 * number's pool slot) live here, so that the HTTP handlers cannot leave the parts disagreeing.
 */
import { Account, type AccountData } from './account.js';
import { findGroup, type NumberGroup } from './catalogue.js';
import { ComplianceApplications } from './compliance.js';
import { Inventory, type InventoryData } from './inventory.js';
import type { AccountNumber, PendingOrder } from './model.js';
import { Pools, type PoolsData } from './pools.js';
import { Random, stableFraction, type RandomState } from './random.js';
import { TenDlc, type LinkStatus, type TenDlcData } from './tendlc.js';

export interface WorldOptions {
  seed: number;
  /** Countries whose rents answer "pending" (address regulations). */
  pendingCountries: readonly string[];
  /** The account's default application (numbers rented without app_id are linked to it). */
  defaultAppId: string;
  now: () => number;
  /**
   * How a group rent in a pending country answers: `order` (no numbers, a `details` text; they
   * enter the account on approval) or `number` (fulfilled, each number `pending`, in the account
   * but inactive until approval). `PhoneNumber/` buys always answer per number.
   */
  pendingShape: PendingShape;
  /** A pool add of a number still pending verification: refused (400) or accepted. */
  inactivePoolAdd: InactivePoolAdd;
  /** Unrented numbers go back to stock after `reclaimDays` and are handed out again first. */
  reissueUnrented: boolean;
  reclaimDays: number;
  /** Share of local numbers listed as `fixed`, drawn per number from the seed. */
  fixedShare: number;
  /** How long a 10DLC number link stays PROCESSING, in ms of the sandbox clock. */
  tendlcLinkDelayMs: number;
  /** A pool add of a US local number whose 10DLC registration is not COMPLETED is refused (400). */
  require10dlc: boolean;
}

/** A number's 10DLC registration as the account lists it. */
export interface TenDlcRegistration {
  status: 'UNREGISTERED' | LinkStatus;
  campaignId: string | null;
}

export const INACTIVE_POOL_ADDS = ['reject', 'accept'] as const;
export type InactivePoolAdd = (typeof INACTIVE_POOL_ADDS)[number];

export const PENDING_SHAPES = ['order', 'number'] as const;
export type PendingShape = (typeof PENDING_SHAPES)[number];

export type RentedNumberStatus = 'Success' | 'Failed' | 'pending';

export type RentOutcome =
  | { kind: 'fulfilled'; numbers: { number: string; status: RentedNumberStatus }[] }
  | { kind: 'pending'; order: PendingOrder };

export interface WorldData {
  inventory: InventoryData;
  account: AccountData;
  pools: PoolsData;
  /** Absent in state files written before 10DLC linking. */
  tendlc?: TenDlcData;
  random: { numbers: RandomState; ids: RandomState; resources: RandomState };
}

export class SandboxWorld {
  readonly inventory: Inventory;
  readonly account = new Account();
  readonly pools = new Pools();
  /** Not saved in the state file: a test creates the applications it needs. */
  readonly compliance = new ComplianceApplications();
  readonly tendlc = new TenDlc();
  /** Generated numbers. */
  readonly numbersRandom: Random;
  /** api_ids and callback nonces. */
  readonly idsRandom: Random;
  /** Powerpack and pool uuids. */
  readonly resourcesRandom: Random;
  private versionCounter = 0;
  /** Until when some pool member may still be hidden (a `visibleAfterMs` fault); lists skip the check after. */
  poolMembersHiddenUntilMs = 0;
  private settledDay = '';
  private cache = new Map<string, unknown>();
  private cacheVersion = -1;

  /** A fresh world for the seed, or, given `data` (from the state file), one that continues it. */
  constructor(
    readonly options: WorldOptions,
    data?: WorldData,
  ) {
    const stream = (name: 'numbers' | 'ids' | 'resources'): Random =>
      data ? Random.restore(data.random[name]) : Random.stream(options.seed, name);
    this.numbersRandom = stream('numbers');
    this.idsRandom = stream('ids');
    this.resourcesRandom = stream('resources');
    this.inventory = new Inventory(this.numbersRandom);
    if (data) {
      this.inventory.load(data.inventory);
      this.account.load(data.account);
      this.pools.load(data.pools);
      if (data.tendlc) this.tendlc.load(data.tendlc);
    }
  }

  /** Grows by one at every change: list caches and the state file key on it. */
  get version(): number {
    return this.versionCounter;
  }

  now(): number {
    return this.options.now();
  }

  /**
   * Brings the world up to the clock: renewals whose day has come are charged, unrented numbers
   * whose reclaim window is over are back in stock. Run before every operation and when the clock
   * moves; cheap when nothing is due (renewals are looked at once per day).
   */
  settleTime(): void {
    const nowMs = this.now();
    if (this.inventory.settle(nowMs, findGroup)) this.versionCounter++;
    if (this.tendlc.settle(nowMs) > 0) this.versionCounter++;
    const today = new Date(nowMs).toISOString().slice(0, 10);
    if (today === this.settledDay) return;
    this.settledDay = today;
    if (this.account.chargeRenewals(nowMs) > 0) this.versionCounter++;
  }

  /** Whether a local number is listed as `fixed`: a per-number draw from the seed. */
  private listedAsFixed = (number: string): boolean =>
    this.options.fixedShare > 0 && stableFraction(`fixed:${this.options.seed}:${number}`) < this.options.fixedShare;

  isPendingCountry(countryIso2: string): boolean {
    return this.options.pendingCountries.includes(countryIso2);
  }

  /**
   * Rents `quantity` numbers of `group` (the caller has checked the stock). `failNumber` says, per
   * number, whether it fails (a fault rule's `numberFailureRate`): a failed number is neither
   * rented nor charged, and its slot goes back to stock.
   */
  rent(group: NumberGroup, quantity: number, appId: string | null, failNumber: () => boolean, complianceId?: string): RentOutcome {
    const waits = this.mustWait(group, complianceId);
    const numbers = this.inventory.take(group, quantity);
    this.versionCounter++;
    if (waits && this.options.pendingShape === 'order') {
      return { kind: 'pending', order: this.account.createPending(group, numbers, appId, this.now()) };
    }
    if (waits) return this.enterPending(group, numbers, appId);
    const statuses = numbers.map((number) => ({ number, status: failNumber() ? ('Failed' as const) : ('Success' as const) }));
    const rented = statuses.filter((entry) => entry.status === 'Success').map((entry) => entry.number);
    this.inventory.restock(group, numbers.length - rented.length);
    this.account.add(group, rented, appId, this.now(), { listedAsFixed: this.listedAsFixed });
    return { kind: 'fulfilled', numbers: statuses };
  }

  /**
   * Buys one number that `PhoneNumber/` search offered. Undefined when it is not on offer (bought
   * already, rented through its group, or never shown by a search).
   */
  buy(number: string, appId: string | null, complianceId?: string): RentOutcome | undefined {
    const groupId = this.inventory.offeredGroupOf(number);
    const group = groupId === undefined ? undefined : findGroup(groupId);
    if (!group) return undefined;
    const waits = this.mustWait(group, complianceId);
    this.inventory.takeNumber(number);
    this.versionCounter++;
    if (waits) return this.enterPending(group, [number], appId);
    this.account.add(group, [number], appId, this.now(), { listedAsFixed: this.listedAsFixed });
    return { kind: 'fulfilled', numbers: [{ number, status: 'Success' }] };
  }

  /** Approves one pending order (or all): its numbers enter the account (or become active) now and are charged now. */
  approvePending(id?: string): Record<string, string[]> | undefined {
    return this.settlePending(id, (order, group) => {
      if (order.inAccount) this.account.activate(group, order.numbers, this.now());
      else this.account.add(group, order.numbers, order.appId, this.now(), { listedAsFixed: this.listedAsFixed });
    });
  }

  /** Rejects one pending order (or all): its numbers (leaving the account, if they were in it) go back to stock. */
  rejectPending(id?: string): Record<string, string[]> | undefined {
    return this.settlePending(id, (order, group) => {
      if (order.inAccount) {
        for (const number of order.numbers) {
          this.pools.removeMember(number);
          this.account.withdraw(number);
        }
      }
      this.inventory.giveBack(group, order.numbers);
    });
  }

  /**
   * A number's 10DLC registration; null for numbers 10DLC does not apply to (it applies to US
   * local numbers that send SMS).
   */
  tendlcRegistration(record: AccountNumber): TenDlcRegistration | null {
    if (record.countryIso2 !== 'US' || record.numberType !== 'local' || !record.smsEnabled) return null;
    const link = this.tendlc.link(record.number);
    return link ? { status: link.status, campaignId: link.campaignId } : { status: 'UNREGISTERED', campaignId: null };
  }

  /** Unrents a number: it leaves the account, any pool and its 10DLC campaign. */
  unrent(number: string): boolean {
    this.pools.removeMember(number);
    this.tendlc.unlink(number);
    const group = findGroup(this.account.get(number)?.groupId ?? '');
    const removed = this.account.remove(number, this.now());
    if (!removed) return false;
    this.versionCounter++;
    if (this.options.reissueUnrented && group) {
      this.inventory.reclaim(group, number, this.now() + this.options.reclaimDays * 86_400_000);
      this.inventory.settle(this.now(), findGroup);
    }
    return true;
  }

  /** Records a change made directly on a part (pool add, alias update…). */
  touch(): void {
    this.versionCounter++;
  }

  /** The value built for `key` since the last change, or a new one. */
  cached<T>(key: string, build: () => T): T {
    if (this.cacheVersion !== this.versionCounter) {
      this.cache = new Map();
      this.cacheVersion = this.versionCounter;
    }
    if (!this.cache.has(key)) this.cache.set(key, build());
    return this.cache.get(key) as T;
  }

  /** The account's numbers in listing order (cached until the next change). */
  accountNumbers(): AccountNumber[] {
    return this.cached('account-numbers', () => this.account.list());
  }

  toData(): WorldData {
    return {
      inventory: this.inventory.toData(),
      account: this.account.toData(),
      pools: this.pools.toData(),
      tendlc: this.tendlc.toData(),
      random: { numbers: this.numbersRandom.state(), ids: this.idsRandom.state(), resources: this.resourcesRandom.state() },
    };
  }

  /** Whether a rent or buy of `group` waits for verification (a pending country without an approved application). */
  private mustWait(group: NumberGroup, complianceId: string | undefined): boolean {
    const verdict = complianceId === undefined ? undefined : this.compliance.verdict(complianceId, group);
    return this.isPendingCountry(group.countryIso2) && verdict !== 'active';
  }

  /** The per-number pending shape: the numbers are in the account, inactive, under a pending order. */
  private enterPending(group: NumberGroup, numbers: readonly string[], appId: string | null): RentOutcome {
    this.account.add(group, numbers, appId, this.now(), { pending: true, listedAsFixed: this.listedAsFixed });
    this.account.createPending(group, numbers, appId, this.now(), true);
    return { kind: 'fulfilled', numbers: numbers.map((number) => ({ number, status: 'pending' as const })) };
  }

  private settlePending(
    id: string | undefined,
    settle: (order: PendingOrder, group: NumberGroup) => void,
  ): Record<string, string[]> | undefined {
    const ids = id === undefined ? this.account.pendingOrders().map((order) => order.id) : [id];
    if (id !== undefined && !this.account.pendingOrders().some((order) => order.id === id)) return undefined;
    const settled: Record<string, string[]> = {};
    for (const orderId of ids) {
      const order = this.account.takePending(orderId);
      const group = order && findGroup(order.groupId);
      if (!order || !group) continue;
      settle(order, group);
      settled[order.id] = order.numbers;
    }
    if (ids.length > 0) this.versionCounter++;
    return settled;
  }
}
