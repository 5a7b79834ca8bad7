/**
 * Stock of each number group, and the numbers the sandbox hands out.
 *
 * Numbers are made when rented, not before: a group's stock is a count. Every number ever handed
 * out is remembered so that no number is issued twice in a run — a number that was unrented never
 * comes back, so a client that tracks which order owns a number can never be fooled by a reissue.
 * Numbers of a rejected pending order never reached the account; they go back to their group and
 * are handed out again first.
 *
 * `PhoneNumber/` search shows concrete numbers: they are made when first shown and kept at the head
 * of their group's hand-out list, so search and group rents draw from one inventory — a number
 * bought through `PhoneNumber/` leaves its group's stock, and a group rent hands out the numbers
 * search showed first.
 *
 * With `reissueUnrented` (the world decides), an unrented number is different: Plivo returns
 * released numbers to its inventory, so it comes back too — after a reclaim window, then first in
 * line — and a client must not take a number it sees again for one it still owns.
 */
import { CATALOGUE, COUNTRIES, type NumberGroup } from './catalogue.js';
import type { Random } from './random.js';

export interface InventoryData {
  stock: Record<string, number>;
  returned: Record<string, string[]>;
  issued: string[];
  reclaiming?: Reclaiming[];
}

/** An unrented number on its way back to stock. */
interface Reclaiming {
  groupId: string;
  number: string;
  /** Epoch ms from which it is in stock again. */
  availableAtMs: number;
}

export class Inventory {
  private stock = new Map<string, number>();
  private returned = new Map<string, string[]>();
  private issued = new Set<string>();
  private reclaiming: Reclaiming[] = [];

  constructor(private readonly random: Random) {
    for (const group of CATALOGUE) this.stock.set(group.groupId, group.initialStock);
  }

  stockOf(groupId: string): number {
    return this.stock.get(groupId) ?? 0;
  }

  /** Takes `quantity` numbers out of stock (the caller has checked there are enough). */
  take(group: NumberGroup, quantity: number): string[] {
    const available = this.stockOf(group.groupId);
    if (quantity > available) throw new Error(`group ${group.groupId} has ${available} numbers, not ${quantity}`);
    this.stock.set(group.groupId, available - quantity);
    const returned = this.returned.get(group.groupId) ?? [];
    const numbers = returned.splice(0, quantity);
    while (numbers.length < quantity) numbers.push(this.mustGenerate(group));
    return numbers.sort();
  }

  /** Numbers that never reached the account (a rejected pending order) go back to their group. */
  giveBack(group: NumberGroup, numbers: readonly string[]): void {
    this.stock.set(group.groupId, this.stockOf(group.groupId) + numbers.length);
    this.returned.set(group.groupId, [...(this.returned.get(group.groupId) ?? []), ...numbers]);
  }

  /**
   * The group's next `count` numbers that start with `head` (calling code + digits), made now if
   * needed, without taking them out of stock: what `PhoneNumber/` search shows.
   */
  offer(group: NumberGroup, count: number, head: string): string[] {
    const list = this.returned.get(group.groupId) ?? [];
    this.returned.set(group.groupId, list);
    const matching = list.filter((number) => number.startsWith(head));
    // Every number in the list is still in stock, so the list never outgrows the stock.
    let attempts = 0;
    while (matching.length < count && list.length < this.stockOf(group.groupId) && attempts++ < count * 4) {
      const number = this.generate(group, head);
      if (number === undefined) break;
      list.push(number);
      matching.push(number);
    }
    return matching.slice(0, count);
  }

  /** The group offering `number`, if search has shown it and it is still in stock. */
  offeredGroupOf(number: string): string | undefined {
    for (const [groupId, list] of this.returned) if (list.includes(number)) return groupId;
    return undefined;
  }

  /** Takes one offered number out of stock; undefined when no group offers it (taken, or never shown). */
  takeNumber(number: string): string | undefined {
    for (const [groupId, list] of this.returned) {
      const index = list.indexOf(number);
      if (index < 0) continue;
      list.splice(index, 1);
      this.stock.set(groupId, this.stockOf(groupId) - 1);
      return groupId;
    }
    return undefined;
  }

  /** An unrented number goes back to its group once `availableAtMs` has passed (see `settle`). */
  reclaim(group: NumberGroup, number: string, availableAtMs: number): void {
    this.reclaiming.push({ groupId: group.groupId, number, availableAtMs });
  }

  /** Numbers whose reclaim window is over are in stock again, first in line; true if any came back. */
  settle(nowMs: number, groupOf: (groupId: string) => NumberGroup | undefined): boolean {
    const due = this.reclaiming.filter((entry) => entry.availableAtMs <= nowMs);
    if (due.length === 0) return false;
    this.reclaiming = this.reclaiming.filter((entry) => entry.availableAtMs > nowMs);
    for (const entry of due) {
      const group = groupOf(entry.groupId);
      if (!group) continue;
      this.stock.set(group.groupId, this.stockOf(group.groupId) + 1);
      this.returned.set(group.groupId, [entry.number, ...(this.returned.get(group.groupId) ?? [])]);
    }
    return true;
  }

  /** Puts `count` back into stock without their numbers (numbers that failed to rent are not reused). */
  restock(group: NumberGroup, count: number): void {
    this.stock.set(group.groupId, this.stockOf(group.groupId) + count);
  }

  /** Group id → stock, in catalogue order. */
  stockByGroup(): Record<string, number> {
    return Object.fromEntries(CATALOGUE.map((group) => [group.groupId, this.stockOf(group.groupId)]));
  }

  toData(): InventoryData {
    return {
      stock: Object.fromEntries(this.stock),
      returned: Object.fromEntries([...this.returned].filter(([, numbers]) => numbers.length > 0)),
      issued: [...this.issued],
      reclaiming: this.reclaiming,
    };
  }

  load(data: InventoryData): void {
    for (const [groupId, stock] of Object.entries(data.stock)) if (this.stock.has(groupId)) this.stock.set(groupId, stock);
    this.returned = new Map(Object.entries(data.returned));
    this.issued = new Set(data.issued);
    this.reclaiming = [...(data.reclaiming ?? [])];
  }

  private mustGenerate(group: NumberGroup): string {
    const number = this.generate(group, '');
    if (number === undefined) throw new Error(`group ${group.groupId} (prefix ${group.prefix}) ran out of distinct numbers`);
    return number;
  }

  /**
   * E.164 without '+': calling code, the group's prefix, then random digits, unique in the sandbox.
   * `head` (calling code + digits, possibly beyond the prefix) fixes the first digits: a vanity search.
   */
  private generate(group: NumberGroup, head: string): string | undefined {
    const country = COUNTRIES[group.countryIso2];
    if (!country) throw new Error(`no country data for ${group.countryIso2}`);
    const start = country.callingCode + group.prefix;
    const fixed = head.length > start.length ? head : start;
    if (!fixed.startsWith(start) && !start.startsWith(head)) return undefined;
    const fill = country.callingCode.length + country.nationalDigits - fixed.length;
    if (fill < 0) return undefined;
    // NANP: the exchange code after the area code never starts with 0 or 1.
    const exchangeIndex = start.length;
    if (country.nanp && fixed.length > exchangeIndex && /[01]/.test(fixed[exchangeIndex] ?? '')) return undefined;
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const rest =
        country.nanp && fixed.length === exchangeIndex && fill > 0 ? String(this.random.int(2, 9)) + this.random.digits(fill - 1) : this.random.digits(fill);
      const number = fixed + rest;
      if (!this.issued.has(number)) {
        this.issued.add(number);
        return number;
      }
      if (fill === 0) return undefined;
    }
    return undefined;
  }
}
