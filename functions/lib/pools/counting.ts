/**
 * Counting a pool for a rebalance: per rule, the numbers the pool holds (Plivo's listing) and
 * those still in transit (lines of the pool's orders still working, less what they already put
 * in the pool).
 */
import { PlivoNotFoundError, PoolNotFoundError } from '../errors.js';
import { type OrderStatus, terminalLineStatuses } from '../orders/model.js';
import type { PlivoClient, PoolNumberFilters } from '../plivo/client.js';
import type { LineItem, NumberItem, OrderItem } from '../store/items.js';
import type { Stores } from '../store/stores.js';
import { poolMembersAmong, type PoolLookup } from '../plivo/pool-lookup.js';
import { callingCode, poolTypeOf } from '../workflow/numbering.js';
import type { PoolPolicy, PoolRule } from './policy.js';

/** An order of the pool still working: its lines and the numbers it holds so far. */
export interface Transit {
  order: OrderItem;
  lines: LineItem[];
  numbers: NumberItem[];
}

/** One rule, counted: how many of the pool's numbers match it, and how many more are on their way. */
export interface Counted {
  rule: PoolRule;
  inPool: number;
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

/** The pool listing's filters for a rule's numbers. */
export function ruleFilter(policy: PoolPolicy, rule: PoolRule): PoolNumberFilters {
  return { countryIso2: rule.countryIso, type: poolTypeOf(rule.numberType), service: policy.service, ...(rule.prefix ? { startsWith: [rule.prefix] } : {}) };
}

/** How to look the rule's numbers up in the pool, ten per call. */
export function ruleLookup(poolUuid: string, policy: PoolPolicy, rule: PoolRule): PoolLookup {
  return { poolUuid, countryIso2: rule.countryIso, callingCode: callingCode(rule.countryIso), filter: { type: poolTypeOf(rule.numberType), service: policy.service } };
}

/**
 * How many of the pool's numbers match the rule: one listing of 1, whose `meta.total_count` Plivo
 * answers for any filter, whatever the pool's size (a pool cannot be filtered by region: not
 * counted apart). @throws PoolNotFoundError
 */
export async function poolCount(plivo: PlivoClient, poolUuid: string, policy: PoolPolicy, rule: PoolRule): Promise<number> {
  try {
    return (await plivo.listPoolNumbers(poolUuid, { ...ruleFilter(policy, rule), limit: 1 })).meta.total_count;
  } catch (error) {
    throw poolErrorOf(error, poolUuid);
  }
}

/** Number statuses that are in the pool: the add succeeded (verified or not yet). */
const IN_POOL: ReadonlySet<NumberItem['status']> = new Set(['ASSIGNED', 'VERIFIED']);

/**
 * Counts each rule: one call per rule, plus a look-up (ten per call) of the numbers working lines
 * have rented but not yet recorded in the pool — an add may have succeeded just before its record.
 * A working line counts in transit for what it still lacks in the pool: its requested quantity less
 * its numbers in the pool, which the pool's count already holds (not counted twice).
 */
export async function countPool(deps: { store: Stores; plivo: PlivoClient }, poolUuid: string, policy: PoolPolicy): Promise<{ counted: Counted[]; transit: Transit[] }> {
  const transit = await ordersInTransit(deps.store, poolUuid);
  const counted: Counted[] = [];
  for (const rule of policy.rules) {
    const inPool = await poolCount(deps.plivo, poolUuid, policy, rule);
    const working: { requested: number; held: NumberItem[] }[] = [];
    for (const { lines, numbers } of transit) {
      for (const line of lines) {
        if (TERMINAL_LINES.has(line.status) || !lineMatches(rule, line.spec)) continue;
        working.push({ requested: line.requested, held: numbers.filter((n) => n.line === line.line) });
      }
    }
    const added = await addedToPool(deps.plivo, poolUuid, policy, rule, working.flatMap((w) => w.held));
    const inTransit = working.reduce((sum, w) => sum + Math.max(0, w.requested - w.held.filter((n) => added.has(n.number)).length), 0);
    counted.push({ rule, inPool, inTransit });
  }
  return { counted, transit };
}

/** Of the numbers working lines hold, those in the pool: recorded so, or found by a look-up. */
async function addedToPool(plivo: PlivoClient, poolUuid: string, policy: PoolPolicy, rule: PoolRule, held: readonly NumberItem[]): Promise<Set<string>> {
  const added = new Set(held.filter((n) => IN_POOL.has(n.status)).map((n) => n.number));
  // Numbers that may be in the pool before their record says so: ready for the pool, their add under way.
  const unsure = held.filter((n) => n.status === 'RENTED' || n.status === 'LINKED').map((n) => n.number);
  if (unsure.length === 0) return added;
  try {
    for await (const member of poolMembersAmong(plivo, ruleLookup(poolUuid, policy, rule), unsure)) added.add(member.number);
  } catch (error) {
    throw poolErrorOf(error, poolUuid);
  }
  return added;
}
