/**
 * Stock of each number group, and the numbers the sandbox hands out.
 *
 * Numbers are made when rented, not before: a group's stock is a count. Every number ever handed
 * out is remembered so that no number is issued twice in a run — a number that was unrented never
 * comes back, so a client that tracks which order owns a number can never be fooled by a reissue.
 * Numbers of a rejected pending order never reached the account; they go back to their group and
 * are handed out again first.
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
    while (numbers.length < quantity) numbers.push(this.generate(group));
    return numbers.sort();
  }

  /** Numbers that never reached the account (a rejected pending order) go back to their group. */
  giveBack(group: NumberGroup, numbers: readonly string[]): void {
    this.stock.set(group.groupId, this.stockOf(group.groupId) + numbers.length);
    this.returned.set(group.groupId, [...(this.returned.get(group.groupId) ?? []), ...numbers]);
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

  /** E.164 without '+': calling code, the group's prefix, then random digits, unique in the sandbox. */
  private generate(group: NumberGroup): string {
    const country = COUNTRIES[group.countryIso2];
    if (!country) throw new Error(`no country data for ${group.countryIso2}`);
    const fill = country.nationalDigits - group.prefix.length;
    for (let attempt = 0; attempt < 10_000; attempt++) {
      // NANP: the exchange code after the area code never starts with 0 or 1.
      const rest = country.nanp ? String(this.random.int(2, 9)) + this.random.digits(fill - 1) : this.random.digits(fill);
      const number = country.callingCode + group.prefix + rest;
      if (!this.issued.has(number)) {
        this.issued.add(number);
        return number;
      }
    }
    throw new Error(`group ${group.groupId} (prefix ${group.prefix}) ran out of distinct numbers`);
  }
}
