/**
 * Customer webhooks end to end below the API: events recorded in DynamoDB Local, sent over real
 * HTTP to a receiver on loopback, verified with the `standardwebhooks` package's own verifier;
 * retries with the same webhook-id, 410, timeouts, giving up, leases, and the schedule itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { METRIC, MetricsRecorder } from '../../functions/lib/metrics.js';
import { createStores, type Stores } from '../../functions/lib/store/stores.js';
import {
  DEFAULT_RETRY_SCHEDULE,
  delayCeilingMs,
  deliverDue,
  generateWebhookSecret,
  listDeliveries,
  nextDelayMs,
  recordOrderEvent,
  retrySchedule,
  startWebhookDispatcher,
  webhookIdFor,
  worstCaseSpanMs,
  type OrderEvent,
  type WebhookDeps,
} from '../../functions/lib/webhooks/index.js';
import { retryDelivery } from '../../functions/lib/webhooks/delivery.js';
import { createTestTable } from '../support/dynamodb.js';
import { until } from '../support/until.js';
import { createOrder, scanTable, startReceiver, type Receiver, type Table } from './support.js';

const secret = generateWebhookSecret();
let table: Table;
let store: Stores;
let receiver: Receiver;

/** Local receivers, retries in milliseconds (the schedule compressed 30,000-fold: first wait under 1 ms). */
function deps(overrides: Partial<WebhookDeps> = {}): WebhookDeps {
  return { db: table.db, tableName: table.tableName, secret, allowLocalCallbacks: true, schedule: { compress: 30_000 }, ...overrides };
}

beforeAll(async () => {
  table = await createTestTable();
  store = createStores(table.db, table.tableName);
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await table.drop();
});
afterEach(() => {
  receiver.requests.length = 0;
  receiver.script([]);
});

function verify(request: { body: string; headers: Record<string, unknown> }): OrderEvent {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as OrderEvent;
}

describe('recording an event', () => {
  it('writes one delivery per order and event type, with a stable webhook-id, however often it is recorded', async () => {
    const order = await createOrder(store, { callbackUrl: receiver.url }, 'COMPLETED');
    const lines = await store.lines.list(order.orderId);
    const first = await recordOrderEvent(deps(), { order, lines, type: 'order.completed' });
    const again = await recordOrderEvent(deps(), { order, lines, type: 'order.completed' });
    expect(first?.deliveryId).toBe(webhookIdFor(order.orderId, 'order.completed'));
    expect(first?.deliveryId).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
    expect(again).toEqual(first);
    expect(await listDeliveries(deps(), order.orderId)).toHaveLength(1);
    expect(JSON.parse(first?.payload ?? '{}')).toMatchObject({
      type: 'order.completed',
      timestamp: first?.createdAt,
      data: { orderId: order.orderId, status: 'COMPLETED', requested: 5, lineCount: 2, totals: { requested: 5 }, lines: [{ line: 0, status: 'RECEIVED' }, { line: 1 }] },
    });
    // Sent once, so that no later test finds it due.
    expect(await deliverDue(deps(), { orderId: order.orderId })).toMatchObject({ attempted: 1, delivered: 1 });
  });

  it('writes nothing for an order without a callbackUrl', async () => {
    const order = await createOrder(store, {}, 'COMPLETED');
    expect(await recordOrderEvent(deps(), { order, lines: [], type: 'order.completed' })).toBeNull();
    expect(await listDeliveries(deps(), order.orderId)).toEqual([]);
  });
});

describe('delivering', () => {
  it('sends every event once per attempt, signed so that standardwebhooks verifies it', async () => {
    const order = await createOrder(store, { callbackUrl: receiver.url, reference: 'ref-1' });
    const lines = await store.lines.list(order.orderId);
    const received = await recordOrderEvent(deps(), { order, lines, type: 'order.received' });
    await store.orders.setStatus(order.orderId, 'COMPLETED');
    const completed = await recordOrderEvent(deps(), { order: await store.orders.get(order.orderId), lines, type: 'order.completed' });

    expect(await deliverDue(deps(), { orderId: order.orderId })).toEqual({ attempted: 2, delivered: 2, failed: 0, gaveUp: 0 });
    expect(await deliverDue(deps(), { orderId: order.orderId })).toEqual({ attempted: 0, delivered: 0, failed: 0, gaveUp: 0 });

    expect(receiver.requests).toHaveLength(2);
    const events = receiver.requests.map((request) => {
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/hooks/numbers');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      return { id: request.headers['webhook-id'], event: verify(request) };
    });
    expect(events.map((e) => e.id).sort()).toEqual([received?.deliveryId, completed?.deliveryId].sort());
    expect(events.map((e) => e.event.type).sort()).toEqual(['order.completed', 'order.received']);
    for (const { event } of events) expect(event.data).toMatchObject({ orderId: order.orderId, reference: 'ref-1', poolUuid: 'pool-6b4e2b0a' });
    expect(events.find((e) => e.event.type === 'order.completed')?.event.data.status).toBe('COMPLETED');

    // A body signed with another secret, or altered, does not verify.
    const [one] = receiver.requests;
    expect(() => new Webhook(generateWebhookSecret()).verify(one!.body, one!.headers as Record<string, string>)).toThrow(/signature/i);
    expect(() => new Webhook(secret).verify(one!.body.replace('pool-', 'p00l-'), one!.headers as Record<string, string>)).toThrow(/signature/i);

    const stored = await listDeliveries(deps(), order.orderId);
    expect(stored.map((d) => d.status)).toEqual(['DELIVERED', 'DELIVERED']);
    for (const delivery of stored) {
      expect(delivery.nextAttemptAt).toBeUndefined();
      expect(delivery.deliveredAt).toBeDefined();
      expect(delivery.attempts).toEqual([{ attempt: 1, at: expect.any(String), durationMs: expect.any(Number), statusCode: 200, outcome: 'delivered', trigger: 'scheduled' }]);
    }
  });

  it('retries a receiver that fails twice and gets it through on the third try, with the same webhook-id and body', async () => {
    receiver.script([500, 500], 200);
    const order = await createOrder(store, { callbackUrl: receiver.url }, 'PARTIAL');
    const delivery = await recordOrderEvent(deps(), { order, lines: await store.lines.list(order.orderId), type: 'order.partial' });
    // The dispatcher (the local stack's loop; in AWS a scheduled Lambda) finds it on the due index.
    const dispatcher = startWebhookDispatcher(deps(), { intervalMs: 10 });
    try {
      await until('the dispatcher to deliver on the third try', () => listDeliveries(deps(), order.orderId), ([d]) => d?.status === 'DELIVERED', { timeoutMs: 5_000, intervalMs: 20 });
    } finally {
      await dispatcher.stop();
    }
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery?.deliveryId]));
    // Each attempt carries its own timestamp (receivers reject old ones), the id stays.
    for (const r of receiver.requests) expect(Math.abs(Number(r.headers['webhook-timestamp']) - r.at / 1000)).toBeLessThan(2);
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    for (const request of receiver.requests) expect(verify(request).type).toBe('order.partial');
    const [stored] = await listDeliveries(deps(), order.orderId);
    expect(stored?.scheduledAttempts).toBe(3);
    expect(stored?.attempts.map((a) => [a.attempt, a.statusCode, a.outcome])).toEqual([
      [1, 500, 'failed'],
      [2, 500, 'failed'],
      [3, 200, 'delivered'],
    ]);
  });

  it('stops at 410 Gone: no more attempts', async () => {
    receiver.script([410], 200);
    const order = await createOrder(store, { callbackUrl: receiver.url }, 'FAILED');
    await recordOrderEvent(deps(), { order, lines: [], type: 'order.failed' });
    expect(await deliverDue(deps(), { orderId: order.orderId })).toEqual({ attempted: 1, delivered: 0, failed: 1, gaveUp: 1 });
    const [stored] = await listDeliveries(deps(), order.orderId);
    expect(stored).toMatchObject({ status: 'GONE', attempts: [{ statusCode: 410, outcome: 'gone' }] });
    expect(stored?.nextAttemptAt).toBeUndefined();
    // Even a day later nothing is due: a Gone delivery is never attempted again.
    const dayLater = () => new Date(Date.now() + 86_400_000);
    expect(await deliverDue(deps({ now: dayLater }), { orderId: order.orderId })).toMatchObject({ attempted: 0 });
    expect(receiver.requests).toHaveLength(1);
  });

  it('counts a receiver that hangs past the timeout as a failed attempt, and schedules the next one', async () => {
    receiver.script(['hang'], 200);
    const order = await createOrder(store, { callbackUrl: receiver.url }, 'ROLLED_BACK');
    await recordOrderEvent(deps(), { order, lines: [], type: 'order.rolled_back' });
    // Jitter pinned at half the first ceiling (10 min): the next attempt is due in 5 min.
    const slow = deps({ schedule: { timeoutMs: 300, baseDelayMs: 600_000, compress: 1 }, random: () => 0.5 });
    const started = Date.now();
    expect(await deliverDue(slow, { orderId: order.orderId })).toEqual({ attempted: 1, delivered: 0, failed: 1, gaveUp: 0 });
    expect(Date.now() - started).toBeLessThan(3_000);
    const [stored] = await listDeliveries(deps(), order.orderId);
    expect(stored?.status).toBe('PENDING');
    const [attempt] = stored?.attempts ?? [];
    expect(attempt).toMatchObject({ attempt: 1, error: 'no answer within 300 ms', outcome: 'failed', trigger: 'scheduled' });
    expect(attempt?.statusCode).toBeUndefined();
    expect(attempt?.durationMs).toBeGreaterThanOrEqual(290);
    const wait = Date.parse(stored?.nextAttemptAt ?? '') - Date.parse(attempt?.at ?? '');
    expect(wait).toBeGreaterThanOrEqual(300_000);
    expect(wait).toBeLessThan(300_000 + 3_000);
    expect(receiver.requests).toHaveLength(1);
  });

  it('gives up after the last scheduled attempt: FAILED, off the due index', async () => {
    receiver.script([], 503);
    const order = await createOrder(store, { callbackUrl: receiver.url }, 'FAILED');
    await recordOrderEvent(deps(), { order, lines: [], type: 'order.failed' });
    const three = deps({ schedule: { maxAttempts: 3, compress: 30_000 } });
    const totals = { attempted: 0, gaveUp: 0 };
    await until(
      'the third failed attempt to give up',
      async () => {
        const result = await deliverDue(three, { orderId: order.orderId });
        totals.attempted += result.attempted;
        totals.gaveUp += result.gaveUp;
        return (await listDeliveries(three, order.orderId))[0];
      },
      (d) => d?.status === 'FAILED',
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(totals).toEqual({ attempted: 3, gaveUp: 1 });
    const [stored] = await listDeliveries(three, order.orderId);
    expect(stored?.attempts.map((a) => a.statusCode)).toEqual([503, 503, 503]);
    expect(stored?.nextAttemptAt).toBeUndefined();
    const items = await scanTable(table);
    const item = items.find((i) => i.deliveryId === stored?.deliveryId);
    expect(item?.gsi1pk).toBeUndefined();
  });

  it('counts attempts delivered and failed, and a delivery given up once (a manual retry that fails again is no new loss)', async () => {
    receiver.script([500], 503);
    const metrics = new MetricsRecorder();
    const two = deps({ schedule: { maxAttempts: 2, compress: 30_000 }, metrics });
    const counts = () => [METRIC.webhookDeliveries, METRIC.webhookDeliveriesFailed, METRIC.webhookDeliveriesAbandoned].map((name) => metrics.total(name));
    const order = await createOrder(store, { callbackUrl: receiver.url }, 'FAILED');
    const delivery = await recordOrderEvent(two, { order, lines: [], type: 'order.failed' });
    await until('the second failed attempt to give up', async () => (await deliverDue(two, { orderId: order.orderId }), (await listDeliveries(two, order.orderId))[0]), (d) => d?.status === 'FAILED', {
      timeoutMs: 5_000,
      intervalMs: 20,
    });
    expect(counts()).toEqual([0, 2, 1]);
    await retryDelivery(two, order.orderId, delivery?.deliveryId as string);
    expect(counts()).toEqual([0, 3, 1]);
    receiver.script([], 200);
    await retryDelivery(two, order.orderId, delivery?.deliveryId as string);
    expect(counts()).toEqual([1, 3, 1]);
    // 410 gives up too.
    receiver.script([], 410);
    const gone = await createOrder(store, { callbackUrl: receiver.url }, 'FAILED');
    await recordOrderEvent(two, { order: gone, lines: [], type: 'order.failed' });
    await deliverDue(two, { orderId: gone.orderId });
    expect(counts()).toEqual([1, 4, 2]);
  });

  it('never sends one delivery twice at once: two dispatchers racing get one attempt between them', async () => {
    const order = await createOrder(store, { callbackUrl: receiver.url }, 'COMPLETED');
    await recordOrderEvent(deps(), { order, lines: [], type: 'order.completed' });
    const results = await Promise.all([deliverDue(deps(), { orderId: order.orderId }), deliverDue(deps(), { orderId: order.orderId }), deliverDue(deps())]);
    expect(results.reduce((sum, r) => sum + r.attempted, 0)).toBe(1);
    expect(receiver.requests).toHaveLength(1);
  });

  it('keeps the secret out of every stored item', async () => {
    const items = JSON.stringify(await scanTable(table));
    expect(items).toContain('WEBHOOK#');
    expect(items).not.toContain(secret);
    expect(items).not.toContain(secret.slice('whsec_'.length));
  });
});

describe('the retry schedule', () => {
  it('is 8 attempts with full-jitter waits whose ceilings grow fourfold to 12 h: at most ~23.4 h in all', () => {
    const schedule = retrySchedule();
    expect(schedule).toEqual(DEFAULT_RETRY_SCHEDULE);
    const ceilings = Array.from({ length: 7 }, (_, i) => delayCeilingMs(schedule, i + 1) / 1000);
    expect(ceilings).toEqual([30, 120, 480, 1920, 7680, 30720, 43200]);
    expect(worstCaseSpanMs(schedule) / 3_600_000).toBeCloseTo(23.375, 3);
    expect(nextDelayMs(schedule, 1, () => 0)).toBe(0);
    expect(nextDelayMs(schedule, 1, () => 0.999999)).toBe(29_999);
    for (let i = 0; i < 100; i++) {
      const delay = nextDelayMs(schedule, 3);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(480_000);
    }
  });

  it('compresses every wait by the same factor, and refuses nonsense', () => {
    const fast = retrySchedule({ compress: 1_000 });
    expect(delayCeilingMs(fast, 1)).toBe(30);
    expect(worstCaseSpanMs(fast)).toBeCloseTo(84_150, 0);
    expect(fast.timeoutMs).toBe(5_000);
    expect(() => retrySchedule({ compress: 0 })).toThrow(/compress/);
    expect(() => retrySchedule({ maxAttempts: 2.5 })).toThrow(/maxAttempts/);
  });
});
