/**
 * Plan (the search step): for each line, page Plivo's available number groups, keep those within
 * the order's rate caps and having the services asked for, and plan group → quantity until the
 * line is covered. The plan is recorded on the line; `dryRun` orders stop here, priced.
 */
import { PlivoNotFoundError, PoolNotFoundError } from '../errors.js';
import type { NumberGroup } from '../plivo/schemas.js';
import { type PlannedGroup, terminalLineStatuses } from '../orders/model.js';
import type { LineItem, OrderItem } from '../store/items.js';
import { type Budget, hasTime, type WorkflowDeps } from './deps.js';
import { recordOf } from './errors.js';
import { planNumbers } from './buy-numbers.js';
import { describeRateCaps, servicesOf, withinRateCaps } from './line-terms.js';

export interface PlanResult {
  /** Indexes of the lines to rent (empty when nothing is to be rented). */
  lines: number[];
  /** False for a dry run, or when an all-or-nothing order cannot be covered: go to Finalize. */
  proceed: boolean;
  /** The time budget ran out with lines not planned yet: the step comes back for them. */
  more: boolean;
}

function withinCaps(group: NumberGroup, order: OrderItem): boolean {
  return withinRateCaps(group.rental_rate, group.setup_rate, order);
}

function asPlanned(group: NumberGroup, quantity: number): PlannedGroup {
  return {
    groupId: group.group_id,
    quantity,
    prefix: group.prefix ?? null,
    region: group.region ?? null,
    numberType: group.number_type,
    setupRate: group.setup_rate === undefined || group.setup_rate === null ? null : String(group.setup_rate),
    rentalRate: group.rental_rate === undefined || group.rental_rate === null ? null : String(group.rental_rate),
  };
}

/** Groups to rent from for one line, cheapest first within what each page offers. */
export async function planLine(deps: WorkflowDeps, order: OrderItem, line: LineItem, exclude: ReadonlySet<string> = new Set()): Promise<PlannedGroup[]> {
  const spec = line.spec;
  // A line of specific numbers is bought number by number: its plan is the numbers on offer.
  if (spec.numbers) return planNumbers(deps, order, line);
  let remaining = spec.quantity;
  const plan: PlannedGroup[] = [];
  const groups = deps.plivo.allNumberGroups({
    countryIso: spec.countryIso,
    numberType: spec.numberType,
    ...(spec.prefix ? { prefix: spec.prefix } : {}),
    ...(spec.region ? { region: spec.region } : {}),
    services: servicesOf(spec, order.request.service),
  });
  for await (const group of groups) {
    if (remaining <= 0) break;
    if (group.stock <= 0 || exclude.has(group.group_id) || !withinCaps(group, order)) continue;
    const quantity = Math.min(group.stock, remaining);
    plan.push(asPlanned(group, quantity));
    remaining -= quantity;
  }
  return plan;
}

/**
 * Checks that the pool exists before anything is rented for it, and records the pool's size from
 * the same answer (`meta.total_count`): Verify chooses how to read the pool by it.
 */
async function checkPool(deps: WorkflowDeps, order: OrderItem): Promise<void> {
  try {
    const page = await deps.plivo.listPoolNumbers(order.request.poolUuid, { limit: 1 });
    await deps.store.orders.setPoolSizeAtPlan(order.orderId, page.meta.total_count);
  } catch (error) {
    if (error instanceof PlivoNotFoundError) {
      throw new PoolNotFoundError(`number pool ${order.request.poolUuid} does not exist at Plivo`, { cause: error });
    }
    throw error;
  }
}

/** Why a line is short, naming what it asked for and the order's price caps (`within maxMonthlyRate 0.50`). */
function shortfall(order: OrderItem, line: LineItem, planned: number): string {
  const { prefix, region, services } = line.spec;
  const filters = [prefix ? `prefix ${prefix}` : '', region ? `region ${region}` : '', services?.length ? `services ${services.join('+')}` : ''].filter(Boolean);
  const caps = describeRateCaps(order);
  const of = `only ${planned} of ${line.spec.quantity} ${line.spec.quantity === 1 ? 'number is' : 'numbers are'} available`;
  return `${of}${filters.length > 0 ? ` with ${filters.join(', ')}` : ''}${caps ? ` within ${caps}` : ''}`;
}

/**
 * Plans every line not planned yet and says which lines to work on. Lines already past planning
 * (a recovery execution of an order whose first execution died: orders/recovery.ts) keep their
 * plan and go on from their recorded state; lines that ended are left out. A line is planned and
 * recorded whole; when the budget runs low between two lines, the answer is `more` and the next
 * pass goes on from the first line still RECEIVED.
 */
export async function planOrder(deps: WorkflowDeps, orderId: string, budget: Budget): Promise<PlanResult> {
  const order = await deps.store.orders.get(orderId);
  await deps.store.orders.setStatus(orderId, 'IN_PROGRESS', ['RECEIVED', 'IN_PROGRESS']);
  const lines = await deps.store.lines.list(orderId);
  if (!order.request.dryRun && lines.some((line) => line.status === 'RECEIVED')) await checkPool(deps, order);
  const covered: number[] = [];
  let short = false;
  let plannedThisPass = 0;
  for (const line of lines) {
    if (terminalLineStatuses.includes(line.status)) continue;
    // At least one line a pass, so that every pass makes progress.
    if (line.status === 'RECEIVED' && plannedThisPass > 0 && !hasTime(budget)) {
      deps.logger.info('plan goes on in its next pass: the time budget ran low', { orderId, line: line.line });
      return { lines: [], proceed: false, more: true };
    }
    const plan = line.status === 'RECEIVED' ? await planLine(deps, order, line) : line.plan;
    const planned = plan.reduce((sum, group) => sum + group.quantity, 0);
    if (line.status === 'RECEIVED') {
      await deps.store.lines.savePlan(orderId, line.line, plan, 'PLANNED');
      if (planned < line.spec.quantity) {
        await deps.store.lines.recordError(
          orderId,
          line.line,
          recordOf(new Error(shortfall(order, line, planned)), line.line),
        );
      }
      plannedThisPass += 1;
      deps.logger.info('line planned', { orderId, line: line.line, requested: line.spec.quantity, planned, groups: plan.length });
    }
    if (planned < line.spec.quantity) short = true;
    if (planned > 0) covered.push(line.line);
  }
  if (order.request.dryRun) return { lines: [], proceed: false, more: false };
  // All or nothing and not coverable: rent nothing at all.
  if (short && !order.request.partialAllowed) return { lines: [], proceed: false, more: false };
  return { lines: covered, proceed: covered.length > 0, more: false };
}
