/** What an order event says of each line: its status and counts, and its 10DLC campaign when it has one. */
import { describe, expect, it } from 'vitest';
import { emptyCounts, orderRequestSchema } from '../../functions/lib/orders/model.js';
import type { LineItem, OrderItem } from '../../functions/lib/store/items.js';
import { buildOrderEvent } from '../../functions/lib/webhooks/events.js';

const AT = '2026-12-07T10:00:00.000Z';
const { lines: specs, ...request } = orderRequestSchema.parse({
  poolUuid: 'pool-1',
  campaignId: 'CUOGHIN',
  lines: [
    { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 2 },
    { countryIso: 'CA', numberType: 'local', quantity: 1 },
  ],
});
const order: OrderItem = { orderId: 'o-1', status: 'COMPLETED', request, lineCount: 2, requested: 3, createdAt: AT, updatedAt: AT, errors: [] };
const lines: LineItem[] = specs.map((spec, line) => ({
  ...emptyCounts(spec.quantity),
  verified: spec.quantity,
  linked: line === 0 ? 2 : 0,
  orderId: 'o-1',
  line,
  spec,
  status: 'COMPLETED',
  plan: [],
  nextIntentSeq: 0,
  errors: [],
  updatedAt: AT,
}));

describe('order events', () => {
  it("name a line's 10DLC campaign (the order's, for its US local line) beside its linked count", () => {
    const event = buildOrderEvent(order, lines, 'order.completed', new Date(AT));
    expect(event.data.lines).toEqual([
      { line: 0, status: 'COMPLETED', counts: expect.objectContaining({ linked: 2, verified: 2 }), campaignId: 'CUOGHIN' },
      { line: 1, status: 'COMPLETED', counts: expect.objectContaining({ linked: 0, verified: 1 }) },
    ]);
    expect(event.data.totals.linked).toBe(2);
  });
});
