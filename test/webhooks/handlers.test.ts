/**
 * The Lambda entries: the notify task (input `{orderId}`) and the scheduled dispatcher, on the
 * runtime the local stack installs (`setWebhookRuntime`), against DynamoDB Local and a loopback
 * receiver; and the runtime's configuration errors.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { ConfigurationError } from '../../functions/lib/errors.js';
import { createStores, type Stores } from '../../functions/lib/store/stores.js';
import { createWebhookRuntime, generateWebhookSecret, listDeliveries, setWebhookRuntime, webhookIdFor } from '../../functions/lib/webhooks/index.js';
import { handler as notify } from '../../functions/notify/handler.js';
import { dispatchDueWebhooks, handler as dispatch } from '../../functions/webhook-dispatcher/handler.js';
import { createTestTable } from '../support/dynamodb.js';
import { createOrder, lambdaContext, startReceiver, type Receiver, type Table } from './support.js';

const secret = generateWebhookSecret();
let table: Table;
let store: Stores;
let receiver: Receiver;

beforeAll(async () => {
  table = await createTestTable();
  store = createStores(table.db, table.tableName);
  receiver = await startReceiver();
  setWebhookRuntime(createWebhookRuntime(handlersEnv(), { db: table.db }));
});

/** What the local stack does: the handlers' configuration as env, its own DynamoDB client. */
function handlersEnv() {
  return { TABLE_NAME: table.tableName, WEBHOOK_SECRET: secret, WEBHOOK_ALLOW_LOCAL_CALLBACKS: 'true', WEBHOOK_RETRY_COMPRESS: '30000', POWERTOOLS_LOG_LEVEL: 'ERROR' };
}
afterAll(async () => {
  setWebhookRuntime(undefined);
  await receiver.close();
  await table.drop();
});
afterEach(() => {
  receiver.requests.length = 0;
  receiver.script([]);
});

describe('the notify task', () => {
  it("records the event of the order's current status and delivers it", async () => {
    const order = await createOrder(store, { callbackUrl: receiver.url }, 'COMPLETED');
    const result = await notify({ orderId: order.orderId }, lambdaContext());
    expect(result).toEqual({ orderId: order.orderId, announced: 'order.completed', attempted: 1, delivered: 1, failed: 0, gaveUp: 0 });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.headers['webhook-id']).toBe(webhookIdFor(order.orderId, 'order.completed'));
    expect(new Webhook(secret).verify(receiver.requests[0]!.body, receiver.requests[0]!.headers as Record<string, string>)).toMatchObject({
      type: 'order.completed',
      data: { orderId: order.orderId, status: 'COMPLETED' },
    });
    // Run again (a retried task): the same event, already delivered, goes nowhere.
    expect(await notify({ orderId: order.orderId }, lambdaContext())).toMatchObject({ announced: 'order.completed', attempted: 0 });
    expect(receiver.requests).toHaveLength(1);
  });

  it('does not fail when the receiver does: the attempt is recorded and the dispatcher delivers it later', async () => {
    receiver.script([500], 200);
    const order = await createOrder(store, { callbackUrl: receiver.url }, 'PENDING_REGULATORY');
    expect(await notify({ orderId: order.orderId }, lambdaContext())).toMatchObject({ announced: 'order.pending_regulatory', attempted: 1, failed: 1, gaveUp: 0 });
    // The dispatcher's next scheduled run, a minute on: the retry is due by then.
    const minuteLater = () => new Date(Date.now() + 60_000);
    setWebhookRuntime(createWebhookRuntime(handlersEnv(), { db: table.db, now: minuteLater }));
    let total: number;
    try {
      total = (await dispatch({ source: 'aws.scheduler' }, lambdaContext())).delivered;
    } finally {
      setWebhookRuntime(createWebhookRuntime(handlersEnv(), { db: table.db }));
    }
    expect(total).toBe(1);
    const [delivery] = await listDeliveries({ db: table.db, tableName: table.tableName }, order.orderId);
    expect(delivery?.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([delivery?.deliveryId, delivery?.deliveryId]);
  });

  it('announces nothing for news-less statuses, orders without a callbackUrl, or when told not to', async () => {
    const running = await createOrder(store, { callbackUrl: receiver.url }, 'IN_PROGRESS');
    expect(await notify({ orderId: running.orderId }, lambdaContext())).toMatchObject({ announced: null, attempted: 0 });
    const silent = await createOrder(store, {}, 'FAILED');
    expect(await notify({ orderId: silent.orderId }, lambdaContext())).toMatchObject({ announced: null, attempted: 0 });
    const quiet = await createOrder(store, { callbackUrl: receiver.url }, 'CANCELLED');
    expect(await notify({ orderId: quiet.orderId, announce: false }, lambdaContext())).toMatchObject({ announced: null, attempted: 0 });
    expect(receiver.requests).toHaveLength(0);
  });

  it('refuses malformed input with InvalidStepInputError', async () => {
    await expect(notify({ order: 'x' }, lambdaContext())).rejects.toMatchObject({ name: 'InvalidStepInputError', message: expect.stringMatching(/^notify: input orderId/) });
  });
});

describe('the dispatcher', () => {
  it('is a plain function too, for the local stack', async () => {
    expect(await dispatchDueWebhooks()).toEqual({ attempted: 0, delivered: 0, failed: 0, gaveUp: 0 });
  });
});

describe('the runtime configuration', () => {
  it('names the missing or malformed variable, and never quotes the secret', () => {
    expect(() => createWebhookRuntime({ TABLE_NAME: 't' })).toThrow(new ConfigurationError('WEBHOOK_SECRET: the webhook secret is not set'));
    expect(() => createWebhookRuntime({ TABLE_NAME: 't', WEBHOOK_SECRET: 'hunter2-hunter2' })).toThrow(/^WEBHOOK_SECRET: the webhook secret must start with "whsec_"$/);
    expect(() => createWebhookRuntime({ TABLE_NAME: 't', WEBHOOK_SECRET: 'whsec_c2hvcnQ=' })).toThrow(/^WEBHOOK_SECRET: the webhook secret must hold 24 to 64 bytes; it holds 5$/);
    expect(() => createWebhookRuntime({ WEBHOOK_SECRET: secret })).toThrow(/^TABLE_NAME is not set$/);
    expect(() => createWebhookRuntime({ TABLE_NAME: 't', WEBHOOK_SECRET: secret, WEBHOOK_RETRY_COMPRESS: 'fast' })).toThrow(/^WEBHOOK_RETRY_COMPRESS must be a positive number/);
    expect(() => createWebhookRuntime({ TABLE_NAME: 't', WEBHOOK_SECRET: secret, WEBHOOK_ALLOW_LOCAL_CALLBACKS: 'yes please' })).toThrow(/^WEBHOOK_ALLOW_LOCAL_CALLBACKS must be true or false/);
    const runtime = createWebhookRuntime({ TABLE_NAME: 't', WEBHOOK_SECRET: secret, WEBHOOK_TIMEOUT_MS: '2500' });
    expect(runtime.deps).toMatchObject({ tableName: 't', allowLocalCallbacks: false, schedule: { compress: 1, timeoutMs: 2500, maxAttempts: 8 } });
  });
});
