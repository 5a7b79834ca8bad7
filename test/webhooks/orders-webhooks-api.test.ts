/**
 * `GET /orders/{id}/webhooks` and `POST /orders/{id}/webhooks/{deliveryId}/retry` through the
 * real local gateway: an order placed over HTTP, its events delivered to a loopback receiver,
 * listed with every attempt, and sent again with the same webhook-id.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createStores, type Stores } from '../../functions/lib/store/stores.js';
import { announceOrderStatus, deliverDue, generateWebhookSecret, type WebhookDeps } from '../../functions/lib/webhooks/index.js';
import type { OrderWebhooks, WebhookRetry } from '../../functions/orders-api/schemas.js';
import { orderWebhooksSchema, webhookRetrySchema } from '../../functions/orders-api/schemas.js';
import { createTestTable } from '../support/dynamodb.js';
import { createOrder, orderBody, startOrdersApi, startReceiver, type OrdersApiUnderTest, type Receiver, type Table } from './support.js';

const secret = generateWebhookSecret();
let table: Table;
let store: Stores;
let api: OrdersApiUnderTest;
let receiver: Receiver;
let deps: WebhookDeps;

beforeAll(async () => {
  table = await createTestTable();
  store = createStores(table.db, table.tableName);
  receiver = await startReceiver();
  deps = { db: table.db, tableName: table.tableName, secret, allowLocalCallbacks: true, schedule: { compress: 30_000 } };
  api = await startOrdersApi(table, { allowLocalCallbacks: true, webhooks: { db: table.db, tableName: table.tableName, secret, schedule: { compress: 30_000 } } });
});
afterAll(async () => {
  await api.close();
  await receiver.close();
  await table.drop();
});

describe('GET /orders/{id}/webhooks', () => {
  it('lists each event of the order with every attempt', async () => {
    receiver.script([500], 200);
    const placed = await api.call('POST', '/orders', orderBody({ callbackUrl: receiver.url }));
    expect(placed.status).toBe(202);
    const { orderId } = placed.json as { orderId: string };
    // What the workflow does: the state first, then the news.
    await announceOrderStatus(deps, orderId);
    expect(await deliverDue(deps, { orderId })).toMatchObject({ attempted: 1, failed: 1 });
    await store.orders.setStatus(orderId, 'COMPLETED');
    await announceOrderStatus(deps, orderId);
    // A minute on, order.received's retry is due (the schedule is compressed to well under that).
    const minuteLater = () => new Date(Date.now() + 60_000);
    expect(await deliverDue({ ...deps, now: minuteLater }, { orderId })).toMatchObject({ attempted: 2, delivered: 2 });

    const answer = await api.call('GET', `/orders/${orderId}/webhooks`);
    expect(answer.status).toBe(200);
    expect(orderWebhooksSchema.safeParse(answer.json).success).toBe(true);
    const { deliveries } = answer.json as OrderWebhooks;
    expect(deliveries.map((d) => [d.type, d.status, d.attempts.map((a) => a.statusCode)])).toEqual([
      ['order.received', 'DELIVERED', [500, 200]],
      ['order.completed', 'DELIVERED', [200]],
    ]);
    expect(deliveries[0]).toMatchObject({ url: receiver.url, scheduledAttempts: 2, deliveredAt: expect.any(String) });
    expect(deliveries[0]?.attempts[0]).toEqual({ attempt: 1, at: expect.any(String), durationMs: expect.any(Number), statusCode: 500, outcome: 'failed', trigger: 'scheduled' });
    expect(JSON.stringify(answer.json)).not.toContain(secret.slice(6));
  });

  it('is empty for an order without a callbackUrl, and 404 for an order that does not exist', async () => {
    const order = await createOrder(store, {}, 'COMPLETED');
    expect(await announceOrderStatus(deps, order.orderId)).toBeNull();
    expect((await api.call('GET', `/orders/${order.orderId}/webhooks`)).json).toEqual({ orderId: order.orderId, deliveries: [] });
    const missing = await api.call('GET', `/orders/${randomUUID()}/webhooks`);
    expect(missing.status).toBe(404);
    expect((await api.call('GET', '/orders/not-a-uuid/webhooks')).status).toBe(404);
  });
});

describe('POST /orders/{id}/webhooks/{deliveryId}/retry', () => {
  it('sends the delivery again at once, with the same webhook-id and body, and records the attempt as manual', async () => {
    const order = await createOrder(store, { callbackUrl: receiver.url }, 'COMPLETED');
    const delivery = await announceOrderStatus(deps, order.orderId);
    await deliverDue(deps, { orderId: order.orderId });
    receiver.requests.length = 0;
    receiver.script([], 200);

    const answer = await api.call('POST', `/orders/${order.orderId}/webhooks/${delivery?.deliveryId}/retry`);
    expect(answer.status).toBe(202);
    expect(webhookRetrySchema.safeParse(answer.json).success).toBe(true);
    const retry = answer.json as WebhookRetry;
    expect(retry).toMatchObject({ deliveryId: delivery?.deliveryId, outcome: 'delivered', attempt: { attempt: 2, statusCode: 200, trigger: 'manual' } });
    expect(retry.delivery.attempts).toHaveLength(2);
    expect(retry.delivery.status).toBe('DELIVERED');

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.headers['webhook-id']).toBe(delivery?.deliveryId);
    expect(request?.body).toBe(delivery?.payload);
    expect(new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>)).toMatchObject({ type: 'order.completed' });
  });

  it('answers with a failed attempt without changing the status or schedule, and 410 makes the delivery GONE', async () => {
    const order = await createOrder(store, { callbackUrl: receiver.url }, 'FAILED');
    const delivery = await announceOrderStatus(deps, order.orderId);
    receiver.script([503, 410], 200);
    const failed = (await api.call('POST', `/orders/${order.orderId}/webhooks/${delivery?.deliveryId}/retry`)).json as WebhookRetry;
    expect(failed).toMatchObject({ outcome: 'failed', attempt: { statusCode: 503, trigger: 'manual' }, delivery: { status: 'PENDING', scheduledAttempts: 0 } });
    expect(failed.delivery.nextAttemptAt).toBe(delivery?.nextAttemptAt);
    const gone = (await api.call('POST', `/orders/${order.orderId}/webhooks/${delivery?.deliveryId}/retry`)).json as WebhookRetry;
    expect(gone).toMatchObject({ outcome: 'gone', attempt: { attempt: 2, statusCode: 410 }, delivery: { status: 'GONE' } });
    expect(gone.delivery.nextAttemptAt).toBeUndefined();
    expect(await deliverDue(deps, { orderId: order.orderId })).toMatchObject({ attempted: 0 });
  });

  it('is 404 for an unknown delivery, 409 while another attempt holds the delivery', async () => {
    const order = await createOrder(store, { callbackUrl: receiver.url }, 'COMPLETED');
    const delivery = await announceOrderStatus(deps, order.orderId);
    const unknown = await api.call('POST', `/orders/${order.orderId}/webhooks/msg_doesnotexist/retry`);
    expect(unknown.status).toBe(404);
    expect((unknown.json as { error: string }).error).toMatch(/has no webhook delivery msg_doesnotexist/);
    expect((await api.call('POST', `/orders/${order.orderId}/webhooks/not-a-delivery/retry`)).status).toBe(404);
    expect((await api.call('POST', `/orders/${randomUUID()}/webhooks/${delivery?.deliveryId}/retry`)).status).toBe(404);

    const now = new Date();
    const held = await store.deliveries.claim({ orderId: order.orderId }, delivery!.deliveryId, {
      now: now.toISOString(),
      leaseUntil: new Date(now.getTime() + 60_000).toISOString(),
      token: 'someone-else',
      mode: 'scheduled',
    });
    expect(held).toBeDefined();
    const busy = await api.call('POST', `/orders/${order.orderId}/webhooks/${delivery?.deliveryId}/retry`);
    expect(busy.status).toBe(409);
    expect((busy.json as { error: string }).error).toMatch(/being attempted right now/);
  });
});
