/**
 * The store counts what happens to numbers and orders as its writes succeed (functions/lib/metrics.ts):
 * each number rented, verified, released or leaked once, each order ended once with its final
 * status — a repeated write (a retried step) counts nothing.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC, MetricsRecorder } from '../../functions/lib/metrics.js';
import { orderRequestSchema } from '../../functions/lib/orders/model.js';
import { gaugeOldestOpenOrder, oldestOpenOrderAgeSeconds } from '../../functions/lib/orders/oldest-open.js';
import type { ExpectationItem } from '../../functions/lib/store/items.js';
import { createStores, type Stores } from '../../functions/lib/store/stores.js';
import { keys } from '../../functions/lib/store/table.js';
import { createTestTable } from '../support/dynamodb.js';

let table: Awaited<ReturnType<typeof createTestTable>>;
let store: Stores;
let metrics: MetricsRecorder;

beforeAll(async () => {
  table = await createTestTable();
});
afterAll(() => table.drop());

async function freshOrder(orderId: string, quantity = 5): Promise<void> {
  metrics = new MetricsRecorder();
  store = createStores(table.db, table.tableName, { metrics });
  await store.orders.create({ orderId, request: orderRequestSchema.parse({ poolUuid: 'pool-m', lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity }] }) });
}

describe('the store counts numbers', () => {
  it('rented: each number claimed once, a retried claim and a number another order owns count nothing', async () => {
    await freshOrder('m-claim');
    await store.orders.create({ orderId: 'm-other', request: orderRequestSchema.parse({ poolUuid: 'pool-m', lines: [{ countryIso: 'US', numberType: 'local', quantity: 1 }] }) });
    await store.numbers.claim('m-other', 0, 'g-other', ['+15125550109']);
    metrics.records.length = 0;

    await store.numbers.claim('m-claim', 0, 'g1', ['+15125550101', '+15125550102']);
    expect(metrics.total(METRIC.numbersRented)).toBe(2);
    // Retried (the answer was lost), with one new number and one owned by another order.
    const again = await store.numbers.claim('m-claim', 0, 'g1', ['+15125550101', '+15125550102', '+15125550103', '+15125550109']);
    expect(again.claimed.sort()).toEqual(['+15125550101', '+15125550102', '+15125550103']);
    expect(metrics.total(METRIC.numbersRented)).toBe(3);
  });

  it('rented: a number delivered for an expectation', async () => {
    await freshOrder('m-delivery');
    const expectation: ExpectationItem = {
      orderId: 'm-delivery',
      line: 0,
      seq: 1,
      groupId: 'g-late',
      quantity: 1,
      delivered: 0,
      countryIso: 'US',
      numberType: 'local',
      prefix: '512',
      region: null,
      uncertain: false,
      since: new Date().toISOString(),
      expectedUntil: new Date(Date.now() + 3_600_000).toISOString(),
    };
    await store.expectations.expect(expectation);
    expect(await store.numbers.claimDelivery(expectation, '+15125550201')).toBe('claimed');
    expect(await store.numbers.claimDelivery(expectation, '+15125550201')).toBe('owned');
    expect(metrics.total(METRIC.numbersRented)).toBe(1);
  });

  it('verified, released and leaked: the numbers that moved, once', async () => {
    await freshOrder('m-moves');
    const numbers = ['+15125550301', '+15125550302', '+15125550303', '+15125550304'];
    await store.numbers.claim('m-moves', 0, 'g1', numbers);
    await store.numbers.transition('m-moves', 0, numbers, 'RENTED', 'ASSIGNED');
    await store.numbers.transition('m-moves', 0, numbers.slice(0, 2), 'ASSIGNED', 'VERIFIED');
    // Repeated: nothing moves again.
    await store.numbers.transition('m-moves', 0, numbers.slice(0, 2), 'ASSIGNED', 'VERIFIED');
    await store.numbers.transition('m-moves', 0, [numbers[2] as string], 'ASSIGNED', 'RELEASED');
    await store.numbers.transition('m-moves', 0, [numbers[3] as string], 'ASSIGNED', 'LEAKED', { error: 'Plivo said no' });
    await store.numbers.transition('m-moves', 0, [numbers[3] as string], 'ASSIGNED', 'LEAKED', { error: 'Plivo said no' });
    expect([METRIC.numbersRented, METRIC.numbersVerified, METRIC.numbersReleased, METRIC.numbersLeaked].map((name) => metrics.total(name))).toEqual([4, 2, 1, 1]);
  });
});

describe('the store counts orders ended', () => {
  it('once per order, by its final status; a status that is not an end counts nothing', async () => {
    await freshOrder('m-end');
    await store.orders.setStatus('m-end', 'IN_PROGRESS');
    expect(metrics.records).toEqual([]);
    await store.orders.setStatus('m-end', 'PARTIAL');
    // A retried finalize writes its status again.
    await store.orders.setStatus('m-end', 'PARTIAL');
    expect(metrics.records).toEqual([{ name: METRIC.ordersEnded, value: 1, unit: 'Count', dimensions: { status: 'PARTIAL' } }]);
  });

  it('not when the write did not happen (its condition failed)', async () => {
    await freshOrder('m-refused');
    expect(await store.orders.setStatus('m-refused', 'CANCELLED', ['PENDING_REGULATORY'])).toBe(false);
    expect(metrics.total(METRIC.ordersEnded)).toBe(0);
  });
});

describe('the oldest open order (OldestOpenOrderAgeSeconds)', () => {
  it('is the oldest order still being worked on: not one waiting on regulators, not one that ended; 0 when none', async () => {
    const own = await createTestTable();
    try {
      let clockMs = Date.parse('2026-03-01T00:00:00.000Z');
      const stores = createStores(own.db, own.tableName, { now: () => new Date(clockMs) });
      const line = [{ countryIso: 'US', numberType: 'local', quantity: 1 }];
      const now = () => new Date(clockMs);
      expect(await oldestOpenOrderAgeSeconds(stores, now())).toBe(0);

      await stores.orders.create({ orderId: 'waiting', request: orderRequestSchema.parse({ poolUuid: 'p', lines: [{ countryIso: 'FR', numberType: 'local', quantity: 1 }] }) });
      await stores.orders.setStatus('waiting', 'PENDING_REGULATORY');
      clockMs += 60_000;
      await stores.orders.create({ orderId: 'ended', request: orderRequestSchema.parse({ poolUuid: 'p', lines: line }) });
      clockMs += 60_000;
      await stores.orders.create({ orderId: 'working', request: orderRequestSchema.parse({ poolUuid: 'p', lines: line }) });
      await stores.orders.setStatus('working', 'IN_PROGRESS');
      clockMs += 30_000;
      // Ended, but its open marker still there (a crash before the marker went: the recovery pass drops it later).
      await stores.orders.setStatus('ended', 'COMPLETED');
      await own.db.send(new PutCommand({ TableName: own.tableName, Item: { ...keys.openOrder('ended'), orderId: 'ended', createdAt: '2026-03-01T00:01:00.000Z' } }));

      expect(await oldestOpenOrderAgeSeconds(stores, now())).toBe(30);
      await stores.orders.setStatus('working', 'PARTIAL');
      expect(await oldestOpenOrderAgeSeconds(stores, now())).toBe(0);
    } finally {
      await own.drop();
    }
  });
});

describe('gaugeOldestOpenOrder (the reconciler\'s measure)', () => {
  it('records the age, and logs a read that fails instead of failing the reconciler run', async () => {
    const recorded = new MetricsRecorder();
    const errors: string[] = [];
    const logger = { info: () => undefined, warn: () => undefined, error: (message: string) => void errors.push(message) };
    const now = new Date('2026-03-01T01:00:00.000Z');
    const open = (answer: () => Promise<{ orderId: string; createdAt: string }[]>) => ({ orders: { open: answer, find: async () => ({ status: 'IN_PROGRESS' }) } }) as unknown as Pick<Stores, 'orders'>;

    await gaugeOldestOpenOrder({ store: open(async () => [{ orderId: 'o', createdAt: '2026-03-01T00:00:00.000Z' }]), metrics: recorded, logger }, now);
    expect(recorded.values(METRIC.oldestOpenOrderAge)).toEqual([3600]);

    await expect(gaugeOldestOpenOrder({ store: open(() => Promise.reject(new Error('ProvisionedThroughputExceededException'))), metrics: recorded, logger }, now)).resolves.toBeUndefined();
    expect(errors).toEqual(['could not measure the oldest open order']);
    expect(recorded.values(METRIC.oldestOpenOrderAge)).toEqual([3600]);
  });
});
