/**
 * What the API shows of a stored order, and the webhooks carry of it: plain functions from store
 * items to the answer shapes of the public contract (`contract.ts`), usable without Lambda.
 */
import type { OrderAccepted, OrderLineView, OrderNumber, OrderSummary, OrderView } from './contract.js';
import { campaignOf, emptyCounts, type LineCounts } from './model.js';
import type { LineItem, NumberItem, OrderItem } from '../store/items.js';

const COUNT_NAMES = ['requested', 'planned', 'rented', 'assigned', 'verified', 'failed', 'released', 'leaked', 'linked'] as const satisfies readonly (keyof LineCounts)[];

export function orderLinks(orderId: string, basePath = ''): OrderView['links'] {
  const self = `${basePath}/orders/${orderId}`;
  return { self, numbers: `${self}/numbers` };
}

function countsOf(line: LineCounts): LineCounts {
  const counts = emptyCounts();
  for (const name of COUNT_NAMES) counts[name] = Number(line[name] ?? 0);
  return counts;
}

/** The answer to `POST /orders`: the same for a first request and for its idempotent replays. */
export function toOrderAccepted(order: OrderItem, basePath = ''): OrderAccepted {
  return {
    orderId: order.orderId,
    status: 'RECEIVED',
    requested: order.requested,
    lineCount: order.lineCount,
    dryRun: order.request.dryRun,
    ...(order.executionArn ? { executionArn: order.executionArn } : {}),
    createdAt: order.createdAt,
    links: orderLinks(order.orderId, basePath),
  };
}

function toLineView(line: LineItem, order: Pick<OrderItem, 'request'>): OrderLineView {
  const campaignId = campaignOf(order.request, line.spec);
  return {
    line: line.line,
    request: line.spec,
    status: line.status,
    counts: countsOf(line),
    plan: line.plan ?? [],
    errors: line.errors ?? [],
    ...(line.pendingDetails ? { pendingDetails: line.pendingDetails } : {}),
    ...(campaignId ? { campaignId } : {}),
    ...(line.linkDeadlineAt ? { linkDeadlineAt: line.linkDeadlineAt } : {}),
    updatedAt: line.updatedAt,
  };
}

/** The answer to `GET /orders/{id}`. */
export function toOrderView(order: OrderItem, lines: readonly LineItem[], basePath = ''): OrderView {
  const views = [...lines].sort((a, b) => a.line - b.line).map((line) => toLineView(line, order));
  const totals = emptyCounts();
  for (const view of views) for (const name of COUNT_NAMES) totals[name] += view.counts[name];
  const { request } = order;
  return {
    orderId: order.orderId,
    status: order.status,
    ...(order.executionArn ? { executionArn: order.executionArn } : {}),
    poolUuid: request.poolUuid,
    service: request.service,
    partialAllowed: request.partialAllowed,
    dryRun: request.dryRun,
    ...(request.maxMonthlyRate !== undefined ? { maxMonthlyRate: request.maxMonthlyRate } : {}),
    ...(request.maxSetupRate !== undefined ? { maxSetupRate: request.maxSetupRate } : {}),
    ...(request.callbackUrl !== undefined ? { callbackUrl: request.callbackUrl } : {}),
    ...(request.reference !== undefined ? { reference: request.reference } : {}),
    ...(request.campaignId !== undefined ? { campaignId: request.campaignId } : {}),
    ...(request.linkDeadlineHours !== undefined ? { linkDeadlineHours: request.linkDeadlineHours } : {}),
    ...(order.rollback ? { rollback: order.rollback } : {}),
    requested: order.requested,
    totals,
    lines: views,
    errors: order.errors ?? [],
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    links: orderLinks(order.orderId, basePath),
  };
}

/** One entry of `GET /orders`. */
export function toOrderSummary(order: OrderItem, basePath = ''): OrderSummary {
  return {
    orderId: order.orderId,
    status: order.status,
    poolUuid: order.request.poolUuid,
    ...(order.request.reference !== undefined ? { reference: order.request.reference } : {}),
    dryRun: order.request.dryRun,
    requested: order.requested,
    lineCount: order.lineCount,
    ...(order.executionArn ? { executionArn: order.executionArn } : {}),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    links: orderLinks(order.orderId, basePath),
  };
}

export function toOrderNumber(item: NumberItem): OrderNumber {
  return {
    number: item.number,
    line: item.line,
    status: item.status,
    groupId: item.groupId,
    ...(item.error !== undefined ? { error: item.error } : {}),
    updatedAt: item.updatedAt,
  };
}
