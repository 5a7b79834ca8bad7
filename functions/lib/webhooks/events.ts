/**
 * The events a customer hears about, and their bodies: `{"type","timestamp","data"}` where `data`
 * is the order summary of `GET /orders` with the line counts summed (`totals`) and each line's
 * status and counts. The body is built once, when the event is recorded, and sent byte for byte
 * the same on every attempt.
 */
import { createHash } from 'node:crypto';
import type { OrderStatus } from '../orders/model.js';
import type { OrderLineView, OrderSummary, OrderView } from '../orders/contract.js';
import { toOrderSummary, toOrderView } from '../orders/views.js';
import type { LineItem, OrderItem } from '../store/items.js';

export const ORDER_EVENT_TYPES = [
  'order.received',
  'order.pending_regulatory',
  'order.completed',
  'order.partial',
  'order.failed',
  'order.rolled_back',
  'order.cancelled',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/** A pool's events (functions/lib/pools/events.ts builds their bodies). */
export const POOL_EVENT_TYPES = ['pool.rebalanced', 'pool.surplus'] as const;
export type PoolEventType = (typeof POOL_EVENT_TYPES)[number];

export type WebhookEventType = OrderEventType | PoolEventType;
export const WEBHOOK_EVENT_TYPES = [...ORDER_EVENT_TYPES, ...POOL_EVENT_TYPES] as const;

const eventOfStatus: Partial<Record<OrderStatus, OrderEventType>> = {
  RECEIVED: 'order.received',
  PENDING_REGULATORY: 'order.pending_regulatory',
  COMPLETED: 'order.completed',
  PARTIAL: 'order.partial',
  FAILED: 'order.failed',
  ROLLED_BACK: 'order.rolled_back',
  CANCELLED: 'order.cancelled',
};

/**
 * The event that announces an order in this status, or null: IN_PROGRESS is not news, and a dry
 * run's PLANNED has no event (a dry run is read with `GET /orders/{id}`).
 */
export function orderEventTypeFor(status: OrderStatus): OrderEventType | null {
  return eventOfStatus[status] ?? null;
}

/** A line as the event shows it (with its 10DLC campaign, when it has one: `counts.linked` then says how many are linked). */
export type OrderEventLine = Pick<OrderLineView, 'line' | 'status' | 'counts' | 'campaignId'>;

/** `data` of every order event. */
export interface OrderEventData extends OrderSummary {
  totals: OrderView['totals'];
  lines: OrderEventLine[];
}

export interface OrderEvent {
  type: OrderEventType;
  /** When the event was recorded (ISO 8601, UTC); the same on every attempt. */
  timestamp: string;
  data: OrderEventData;
}

/**
 * The `webhook-id` (and delivery id) of an order's event: derived from the order id and the type,
 * so recording the same event twice (a retried Lambda) names the same delivery.
 */
export function webhookIdFor(orderId: string, type: OrderEventType): string {
  return webhookIdOf(orderId, type);
}

/** `msg_` and 32 characters of the SHA-256 of the parts: the same event always gets the same id. */
export function webhookIdOf(...parts: string[]): string {
  return `msg_${createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 32)}`;
}

export function buildOrderEvent(order: OrderItem, lines: readonly LineItem[], type: OrderEventType, at: Date): OrderEvent {
  const view = toOrderView(order, lines);
  return {
    type,
    timestamp: at.toISOString(),
    data: {
      ...toOrderSummary(order),
      totals: view.totals,
      lines: view.lines.map((line) => ({ line: line.line, status: line.status, counts: line.counts, ...(line.campaignId ? { campaignId: line.campaignId } : {}) })),
    },
  };
}
