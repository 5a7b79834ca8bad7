/**
 * The regulatory wait's own timeout (the state machine reads it from the Rent result): the line's
 * deadline plus an hour, never past the year a Standard execution may live, never below 1 s.
 */
import { describe, expect, it } from 'vitest';
import type { OrderItem } from '../../functions/lib/store/items.js';
import { waitTimeoutSeconds } from '../../functions/lib/workflow/regulatory.js';

const DAY = 86_400;
const createdAt = '2026-01-01T00:00:00.000Z';
const created = Date.parse(createdAt);

function order(regulatoryDeadlineDays?: number): OrderItem {
  return {
    orderId: 'o',
    status: 'PENDING_REGULATORY',
    request: { poolUuid: 'p', service: 'sms', partialAllowed: true, dryRun: false, ...(regulatoryDeadlineDays === undefined ? {} : { regulatoryDeadlineDays }) },
    lineCount: 1,
    requested: 1,
    createdAt,
    updatedAt: createdAt,
    errors: [],
  } as OrderItem;
}

describe('waitTimeoutSeconds', () => {
  it('is the deadline (30 days by default) plus an hour, from now', () => {
    expect(waitTimeoutSeconds(order(), created)).toBe(30 * DAY + 3600);
    expect(waitTimeoutSeconds(order(2), created + 1000 * DAY)).toBe(DAY + 3600);
  });

  it('never reaches a year from the order, the longest a Standard execution lives', () => {
    expect(waitTimeoutSeconds(order(365), created)).toBe(364 * DAY);
  });

  it('is at least a second once the deadline has passed (the reconciler ends such a wait)', () => {
    expect(waitTimeoutSeconds(order(1), created + 5 * 1000 * DAY)).toBe(1);
  });
});
