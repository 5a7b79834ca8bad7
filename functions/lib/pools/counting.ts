/**
 * Counting a pool for a rebalance: per rule, the numbers the pool holds (Plivo's listing) and
 * those still in transit (lines of the pool's orders still working, less what they already put
 * in the pool).
 */
import { PlivoNotFoundError, PoolNotFoundError } from '../errors.js';
import { type OrderStatus, terminalLineStatuses } from '../orders/model.js';
import type { PlivoClient, PoolNumberType } from '../plivo/client.js';
import type { LineItem, NumberItem, OrderItem } from '../store/items.js';
import type { Stores } from '../store/stores.js';
import type { PoolPolicy, PoolRule } from './policy.js';

/** An order of the pool still working: its lines and the numbers it holds so far. */
export interface Transit {
  order: OrderItem;
  lines: LineItem[];
  numbers: NumberItem[];
}

/** One rule, counted: the pool's numbers that match it, and how many more are on their way. */
export interface Counted {
  rule: PoolRule;
  numbers: string[];
  inTransit: number;
}

const NON_TERMINAL: readonly OrderStatus[] = ['RECEIVED', 'IN_PROGRESS', 'PENDING_REGULATORY'];
// A line PLANNED is still to be rented (only a dry-run order ends PLANNED, and it is terminal as an order).
const TERMINAL_LINES = new Set(terminalLineStatuses);

/** Checks that Plivo knows the pool (one listing of 1), as an order's Plan does. @throws PoolNotFoundError */
export async function assertPoolExists(plivo: PlivoClient, poolUuid: string): Promise<void> {
  try {
    await plivo.listPoolNumbers(poolUuid, { limit: 1 });
  } catch (error) {
    throw poolErrorOf(error, poolUuid);
  }
}

function poolErrorOf(error: unknown, poolUuid: string): unknown {
  return error instanceof PlivoNotFoundError ? new PoolNotFoundError(`Plivo has no number pool ${poolUuid} in the account`, { cause: error }) : error;
}

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
export async function ordersInTransit(store: Stores, poolUuid: string): Promise<Transit[]> {
  const found: Transit[] = [];
  for (const orderId of await store.orders.activeInPool(poolUuid)) {
    const order = await store.orders.find(orderId);
    if (order && NON_TERMINAL.includes(order.status)) found.push({ order, lines: await store.lines.list(orderId), numbers: await store.numbers.list(orderId, undefined) });
    else await store.orders.forgetActive(poolUuid, orderId);
  }
  return found;
}

/**
 * The rule's numbers in the pool: one listing, pages of 20, filtered by Plivo (a pool cannot be
 * filtered by region: not counted apart). @throws PoolNotFoundError
 */
export async function poolNumbers(plivo: PlivoClient, poolUuid: string, policy: PoolPolicy, rule: PoolRule): Promise<string[]> {
  const numbers: string[] = [];
  try {
    for await (const member of plivo.allPoolNumbers(poolUuid, {
      countryIso2: rule.countryIso,
      type: poolType(rule.numberType),
      service: policy.service,
      ...(rule.prefix ? { startsWith: [rule.prefix] } : {}),
    })) {
      numbers.push(member.number);
    }
  } catch (error) {
    throw poolErrorOf(error, poolUuid);
  }
  return numbers;
}

/**
 * Counts each rule. A working line counts in transit for what it still lacks in the pool: its
 * requested quantity less those of its numbers the same listing found in the pool (an assigned
 * number not yet verified is in the pool, and must not be counted twice).
 */
export async function countPool(deps: { store: Stores; plivo: PlivoClient }, poolUuid: string, policy: PoolPolicy): Promise<{ counted: Counted[]; transit: Transit[] }> {
  const transit = await ordersInTransit(deps.store, poolUuid);
  const counted: Counted[] = [];
  for (const rule of policy.rules) {
    const numbers = await poolNumbers(deps.plivo, poolUuid, policy, rule);
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
