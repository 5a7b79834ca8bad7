/**
 * SSRF rules for callback URLs: refused when the order is placed (422 naming callbackUrl, through
 * the real gateway) and when delivering (the connect-time lookup), so a name that resolves to a
 * public address at the check and to loopback at delivery (DNS rebinding) still gets nowhere.
 * `allowLocalCallbacks` lets http and loopback through, and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createStores, type Stores } from '../../functions/lib/store/stores.js';
import {
  checkCallbackUrl,
  classifyAddress,
  createWebhookSender,
  deliverDue,
  generateWebhookSecret,
  listDeliveries,
  recordOrderEvent,
  type HostResolver,
  type WebhookDeps,
} from '../../functions/lib/webhooks/index.js';
import { createTestTable } from '../support/dynamodb.js';
import { createOrder, orderBody, scanTable, startOrdersApi, startReceiver, type OrdersApiUnderTest, type Receiver, type Table } from './support.js';

const secret = generateWebhookSecret();

/** A DNS of our own: names of the test, and nothing else resolves. */
function resolverOf(names: Record<string, string | string[]>): HostResolver {
  return async (hostname) => {
    const answer = names[hostname];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return (Array.isArray(answer) ? answer : [answer]).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** Public at the first lookup, `then` at every later one: DNS rebinding. */
function rebinding(then: string): HostResolver {
  let calls = 0;
  return async () => [{ address: calls++ === 0 ? '93.184.216.34' : then, family: 4 }];
}

describe('the address policy', () => {
  it.each([
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['64:ff9b::a00:1', 'ipv4Embedded'],
    ['::7f00:1', 'ipv4Embedded'],
  ])('refuses %s (%s)', (address, range) => {
    expect(classifyAddress(address)).toMatchObject({ allowed: false, range });
  });

  it('allows public unicast, and with allowLocalCallbacks loopback too, but never private or metadata', () => {
    expect(classifyAddress('93.184.216.34').allowed).toBe(true);
    expect(classifyAddress('2606:2800:220:1::1').allowed).toBe(true);
    const local = { allowLocalCallbacks: true };
    expect(classifyAddress('127.0.0.1', local).allowed).toBe(true);
    expect(classifyAddress('::1', local).allowed).toBe(true);
    for (const address of ['10.0.0.1', '169.254.169.254', 'fd00:ec2::254', '192.168.0.10', '100.64.0.1']) expect(classifyAddress(address, local).allowed).toBe(false);
  });

  it('checks names by every address they resolve to, and accepts a name that does not resolve yet', async () => {
    const resolve = resolverOf({ 'mixed.customer.test': ['93.184.216.34', '10.1.2.3'], 'public.customer.test': '93.184.216.34' });
    expect(await checkCallbackUrl('https://mixed.customer.test/h', { resolve })).toEqual({
      ok: false,
      reason: 'must not resolve to a private address (mixed.customer.test resolves to 10.1.2.3)',
    });
    expect((await checkCallbackUrl('https://public.customer.test/h', { resolve })).ok).toBe(true);
    expect((await checkCallbackUrl('https://not-yet.customer.test/h', { resolve })).ok).toBe(true);
    // A resolver that never answers does not hold the request up.
    const started = Date.now();
    expect((await checkCallbackUrl('https://slow.customer.test/h', { resolve: () => new Promise(() => undefined), resolveTimeoutMs: 50 })).ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('POST /orders', () => {
  let table: Table;
  let strict: OrdersApiUnderTest;
  let local: OrdersApiUnderTest;
  let receiver: Receiver;

  beforeAll(async () => {
    table = await createTestTable();
    receiver = await startReceiver();
    const resolveCallbackHost = resolverOf({
      localhost: '127.0.0.1',
      'loopback.customer.test': '127.0.0.1',
      'private.customer.test': '10.20.30.40',
      'public.customer.test': '93.184.216.34',
    });
    const webhooks = { db: table.db, tableName: table.tableName, secret };
    strict = await startOrdersApi(table, { webhooks, resolveCallbackHost });
    local = await startOrdersApi(table, { webhooks, resolveCallbackHost, allowLocalCallbacks: true });
  });
  afterAll(async () => {
    await strict.close();
    await local.close();
    await receiver.close();
    await table.drop();
  });

  const refused: [string, RegExp][] = [
    ['http://169.254.169.254/latest/meta-data/', /^must be an https URL$/],
    ['https://169.254.169.254/latest/meta-data/', /^must not point at a cloud metadata address \(169\.254\.169\.254\)$/],
    ['https://[fd00:ec2::254]/latest', /cloud metadata address/],
    ['http://10.0.0.1/hook', /^must be an https URL$/],
    ['https://10.0.0.1/hook', /^must not point at a private address \(10\.0\.0\.1\)$/],
    ['https://[::1]/', /^must not point at a loopback address \(::1\)$/],
    ['https://127.1/', /loopback address \(127\.0\.0\.1\)/],
    ['https://localhost/hook', /loopback address \(localhost\)/],
    ['https://loopback.customer.test/hook', /^must not resolve to a loopback address \(loopback\.customer\.test resolves to 127\.0\.0\.1\)$/],
    ['https://private.customer.test/hook', /must not resolve to a private address/],
    ['https://100.64.1.1/hook', /carrier-grade NAT/],
    ['https://user:secret@public.customer.test/hook', /must not carry credentials/],
  ];

  it.each(refused)('refuses %s with a 422 naming callbackUrl, and records nothing', async (callbackUrl, reason) => {
    const answer = await strict.call('POST', '/orders', orderBody({ callbackUrl }));
    expect(answer.status).toBe(422);
    const body = answer.json as { error: string; issues: { path: string; message: string }[] };
    expect(body.error).toMatch(/^callbackUrl: /);
    expect(body.issues).toHaveLength(1);
    expect(body.issues[0]?.path).toBe('callbackUrl');
    expect(body.issues[0]?.message).toMatch(reason);
    expect((await scanTable(table)).filter((item) => String(item.pk).startsWith('ORDER#'))).toEqual([]);
  });

  it('accepts https to a public name, and to a name that does not resolve yet (delivery checks again)', async () => {
    expect((await strict.call('POST', '/orders', orderBody({ callbackUrl: 'https://public.customer.test/hook' }))).status).toBe(202);
    expect((await strict.call('POST', '/orders', orderBody({ callbackUrl: 'https://unknown.customer.test/hook' }))).status).toBe(202);
    expect((await strict.call('POST', '/orders', orderBody())).status).toBe(202);
  });

  it('with allowLocalCallbacks, takes http to loopback but still refuses private and metadata addresses', async () => {
    expect((await local.call('POST', '/orders', orderBody({ callbackUrl: receiver.url }))).status).toBe(202);
    expect((await local.call('POST', '/orders', orderBody({ callbackUrl: `http://localhost:${receiver.port}/h` }))).status).toBe(202);
    expect((await local.call('POST', '/orders', orderBody({ callbackUrl: 'http://[::1]:8080/h' }))).status).toBe(202);
    for (const callbackUrl of ['http://10.0.0.1/hook', 'http://169.254.169.254/latest', 'http://private.customer.test/h', 'http://[fd00:ec2::254]/']) {
      const answer = await local.call('POST', '/orders', orderBody({ callbackUrl }));
      expect(answer.status, callbackUrl).toBe(422);
      expect((answer.json as { issues: { path: string }[] }).issues[0]?.path).toBe('callbackUrl');
    }
  });
});

describe('delivery', () => {
  let table: Table;
  let store: Stores;
  let receiver: Receiver;

  beforeAll(async () => {
    table = await createTestTable();
    store = createStores(table.db, table.tableName);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await table.drop();
  });

  function deps(overrides: Partial<WebhookDeps> = {}): WebhookDeps {
    return { db: table.db, tableName: table.tableName, secret, ...overrides };
  }

  /** Records the order's event with `callbackUrl` (as if it had passed POST), delivers, returns the attempt. */
  async function attemptTo(callbackUrl: string, webhookDeps: WebhookDeps) {
    const order = await createOrder(store, { callbackUrl }, 'COMPLETED');
    await recordOrderEvent(webhookDeps, { order, lines: [], type: 'order.completed' });
    await deliverDue(webhookDeps, { orderId: order.orderId });
    const [delivery] = await listDeliveries(webhookDeps, order.orderId);
    return delivery?.attempts[0];
  }

  it('refuses, without connecting, a URL whose host is a forbidden address', async () => {
    for (const [url, error] of [
      ['https://10.0.0.1/x', /^refused: callback URL must not point at a private address/],
      ['https://[::1]/', /^refused: callback URL must not point at a loopback address/],
      [`http://127.0.0.1:${receiver.port}/x`, /^refused: callback URL must be an https URL/],
    ] as const) {
      const attempt = await attemptTo(url, deps());
      expect(attempt, url).toMatchObject({ outcome: 'failed', error: expect.stringMatching(error) });
      expect(attempt?.statusCode).toBeUndefined();
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it('refuses a name that resolves to loopback at connect time, even though it resolved to a public address when the order was placed (DNS rebinding)', async () => {
    const resolve = rebinding('127.0.0.1');
    const url = `https://rebind.customer.test:${receiver.port}/hooks`;
    expect((await checkCallbackUrl(url, { resolve })).ok).toBe(true);
    const attempt = await attemptTo(url, deps({ resolve }));
    expect(attempt).toMatchObject({ outcome: 'failed', error: 'refused: rebind.customer.test resolves to 127.0.0.1, a loopback address' });
    expect(receiver.requests).toHaveLength(0);
  });

  it('connects to exactly the address the checked lookup gave: with allowLocalCallbacks, a name mapped to 127.0.0.1 reaches the loopback receiver', async () => {
    // No DNS knows this name: only the lookup we give node:http can have taken the request there.
    const resolve = resolverOf({ 'hooks.customer.test': '127.0.0.1' });
    const attempt = await attemptTo(`http://hooks.customer.test:${receiver.port}/hooks`, deps({ resolve, allowLocalCallbacks: true }));
    expect(attempt).toMatchObject({ outcome: 'delivered', statusCode: 200 });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.headers.host).toBe(`hooks.customer.test:${receiver.port}`);
    expect(new Webhook(secret).verify(receiver.requests[0]!.body, receiver.requests[0]!.headers as Record<string, string>)).toMatchObject({ type: 'order.completed' });
    receiver.requests.length = 0;
  });

  it('with allowLocalCallbacks, still refuses private and metadata destinations, by literal or by name', async () => {
    const resolve = resolverOf({ 'private.customer.test': '10.0.0.1', 'metadata.customer.test': '169.254.169.254', 'dual.customer.test': ['127.0.0.1', '10.0.0.1'] });
    const local = deps({ resolve, allowLocalCallbacks: true });
    const started = Date.now();
    expect(await attemptTo('http://10.0.0.1/x', local)).toMatchObject({ error: expect.stringMatching(/^refused: .*private address/) });
    expect(await attemptTo('http://169.254.169.254/latest/meta-data/', local)).toMatchObject({ error: expect.stringMatching(/^refused: .*cloud metadata address/) });
    expect(await attemptTo('http://private.customer.test/x', local)).toMatchObject({ error: 'refused: private.customer.test resolves to 10.0.0.1, a private address' });
    expect(await attemptTo('http://metadata.customer.test/x', local)).toMatchObject({ error: 'refused: metadata.customer.test resolves to 169.254.169.254, a cloud metadata address' });
    expect(await attemptTo(`http://dual.customer.test:${receiver.port}/x`, local)).toMatchObject({ error: expect.stringMatching(/^refused: dual\.customer\.test resolves to 10\.0\.0\.1/) });
    // Refused before any packet: no connect timeouts to unroutable addresses.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(receiver.requests).toHaveLength(0);
  });

  it('reports the sender refusal as refused, and a closed port as a connection error', async () => {
    const send = createWebhookSender({ allowLocalCallbacks: true });
    const refusedResult = await send({ url: 'http://169.254.169.254/', headers: {}, body: '{}', timeoutMs: 1_000 });
    expect(refusedResult).toMatchObject({ kind: 'failed', refused: true });
    const closed = await startReceiver();
    const port = closed.port;
    await closed.close();
    const result = await send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}', timeoutMs: 1_000 });
    expect(result).toMatchObject({ kind: 'failed', refused: false, error: expect.stringMatching(/ECONNREFUSED/) });
  });
});
