/**
 * Webhooks through the whole local stack: the customer's receiver gets order.received and the
 * terminal event, signed per Standard Webhooks (checked with the `standardwebhooks` verifier);
 * Plivo's asynchronous-mode callbacks reach POST /webhooks/plivo through the gateway; the
 * operations routes (cancel, reconciliation) answer over HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlivoClient, poolUuidOf, unlimited } from '../../functions/lib/plivo/index.js';
import { findPlivoCallback } from '../../functions/lib/webhooks/index.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { stackWithSandboxVariant } from '../support/sandbox-variant.js';
import { until } from '../support/until.js';
import { sharedDynamoDb } from '../support/dynamodb.js';

interface Received {
  headers: Record<string, string>;
  body: string;
}

let stack: LocalStack;
let poolUuid: string;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let failFirst = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers as Record<string, string>, body });
      if (failFirst > 0) {
        failFirst--;
        res.writeHead(500).end();
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  stack = await startLocalStack(stackWithSandboxVariant({ apiPort: 0, sandboxPort: 0, sfnPort: 0, ...sharedDynamoDb(), seed: 13, retryPauseMs: 50, allowLocalCallbacks: true, reconcileIntervalSeconds: 0 }));
  const plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
  poolUuid = poolUuidOf(await plivo.createPowerpack({ name: 'webhooks' }));
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { 'x-api-key': stack.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

describe('webhooks through the local stack', () => {
  it('signs order.received and order.completed so the standardwebhooks verifier accepts them; a failing receiver gets a retry with the same id', async () => {
    failFirst = 2;
    const created = await api('POST', '/orders', {
      poolUuid,
      callbackUrl: receiverUrl,
      lines: [{ countryIso: 'US', numberType: 'local', prefix: '512', quantity: 3 }],
    });
    expect(created.status).toBe(202);
    await stack.stepFunctions.waitForExecution(String(created.body.executionArn));
    await until(
      'order.completed, and order.received once its failures were retried',
      () => received.filter((r) => r.body.includes('"order.completed"')).length > 0 && received.some((r) => r.body.includes('"order.received"') && failFirst === 0),
      Boolean,
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    const verifier = new Webhook(stack.webhookSecret);
    const types = new Set<string>();
    for (const delivery of received) {
      const event = verifier.verify(delivery.body, delivery.headers) as { type: string; data: { orderId: string } };
      expect(event.data.orderId).toBe(created.body.orderId);
      types.add(event.type);
    }
    expect([...types].sort()).toEqual(['order.completed', 'order.received']);
    // The two failed attempts and their retry carry the same webhook-id.
    const byId = new Map<string, number>();
    for (const delivery of received) byId.set(delivery.headers['webhook-id'] ?? '', (byId.get(delivery.headers['webhook-id'] ?? '') ?? 0) + 1);
    expect(Math.max(...byId.values())).toBeGreaterThanOrEqual(2);
    // The dispatcher records DELIVERED once the receiver's answer is in: a moment after the receiver saw it.
    const listed = await until(
      'every delivery recorded DELIVERED',
      () => api('GET', `/orders/${String(created.body.orderId)}/webhooks`),
      (answer) => answer.status === 200 && (answer.body.deliveries as { status: string }[]).every((d) => d.status === 'DELIVERED'),
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(listed.status).toBe(200);
    // A wrong secret does not verify.
    expect(() => new Webhook(`whsec_${Buffer.from('another secret').toString('base64')}`).verify(received[0]!.body, received[0]!.headers)).toThrow();
  });

  it('refuses a callback URL pointing at the metadata service or a private network', async () => {
    for (const callbackUrl of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/hook', 'https://10.1.2.3/hook']) {
      const answer = await api('POST', '/orders', { poolUuid, callbackUrl, lines: [{ countryIso: 'US', numberType: 'local', quantity: 1 }] });
      expect([callbackUrl, answer.status]).toEqual([callbackUrl, 422]);
      expect(String(answer.body.error)).toMatch(/callbackUrl/);
    }
  });

  it("stores Plivo's signed asynchronous-mode callback once, by api_id, through POST /webhooks/plivo", async () => {
    const plivo = new PlivoClient({ authId: stack.plivoAuthId, authToken: stack.plivoAuthToken, baseUrl: stack.plivoUrl, limiter: unlimited });
    const group = (await plivo.searchNumberGroups({ countryIso: 'US', prefix: '415', limit: 1 })).objects[0]!;
    const spawned = await plivo.rentFromGroupAsync(group.group_id, { quantity: 1 }, { url: `${stack.apiUrl}/webhooks/plivo` });
    await stack.sandbox?.callbacksIdle();
    const stored = await findPlivoCallback({ db: stack.store.db, tableName: stack.tableName }, spawned.api_id);
    expect(stored?.apiId).toBe(spawned.api_id);
    // The rented number belongs to no order: the reconciler would report it as an orphan.
    const unsigned = await fetch(`${stack.apiUrl}/webhooks/plivo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_id: 'forged', status_code: '201', response: '{}' }).toString(),
    });
    expect(unsigned.status).toBe(401);
    expect(await findPlivoCallback({ db: stack.store.db, tableName: stack.tableName }, 'forged')).toBeUndefined();
  });

  it('reports orphans at GET /reconciliation and answers cancel over HTTP (409 once ended)', async () => {
    await stack.reconciler.runOnce();
    const report = await api('GET', '/reconciliation');
    expect(report.status).toBe(200);
    expect(report.body.orphanCount).toBeGreaterThanOrEqual(1);
    const orders = await api('GET', '/orders?limit=1');
    const last = (orders.body.orders as { orderId: string }[])[0]!;
    const cancel = await api('POST', `/orders/${last.orderId}/cancel`);
    expect(cancel.status).toBe(409);
    expect((await api('POST', '/orders/00000000-0000-4000-8000-000000000000/cancel')).status).toBe(404);
  });
});
