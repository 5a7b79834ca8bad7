import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponseSchema, orderAcceptedSchema, orderListSchema, orderNumbersPageSchema, orderViewSchema } from '../../functions/lib/orders/contract.js';
import { startApiHarness, validOrder, type ApiHarness } from './support/harness.js';

let api: ApiHarness;

async function createOrder(overrides: Record<string, unknown> = {}): Promise<string> {
  const answer = await api.call('POST', '/orders', { body: validOrder(overrides) });
  expect(answer.status).toBe(202);
  return orderAcceptedSchema.parse(answer.json).orderId;
}

let busy: string;
const created: string[] = [];

beforeAll(async () => {
  api = await startApiHarness();
  // Five orders, oldest first; the third is the one the workflow has worked on.
  for (let i = 0; i < 5; i++) created.push(await createOrder({ reference: `order-${i}` }));
  busy = created[2] as string;
  const { store } = api;
  await store.orders.setStatus(busy, 'IN_PROGRESS');
  await store.lines.savePlan(busy, 0, [{ groupId: '51200', quantity: 25, prefix: '512', region: 'Texas', numberType: 'local', setupRate: '0.00000', rentalRate: '0.80000' }], 'RENTING');
  const numbers = Array.from({ length: 12 }, (_, i) => `1512555${String(i).padStart(4, '0')}`);
  await store.numbers.claim(busy, 0, '51200', numbers);
  await store.numbers.transition(busy, 0, numbers.slice(0, 8), 'RENTED', 'ASSIGNED');
  await store.numbers.transition(busy, 0, numbers.slice(0, 5), 'ASSIGNED', 'VERIFIED');
  await store.numbers.claim(busy, 1, '41600', ['14165550001', '14165550002']);
  await store.lines.recordError(busy, 1, {
    at: new Date().toISOString(),
    line: 1,
    name: 'PlivoBadRequestError',
    message: 'Plivo refused the rent',
    plivoMessage: 'quantity exceeds stock for group 41600',
    apiId: 'api-123',
  });
  await store.orders.setStatus(created[4] as string, 'COMPLETED');
  await store.orders.setStatus(created[1] as string, 'COMPLETED');
});
afterAll(() => api.close());

describe('GET /orders/{id}', () => {
  it('shows the order with its lines, counts, plan and errors (with Plivo’s message)', async () => {
    const answer = await api.call('GET', `/orders/${busy}`);
    expect(answer.status).toBe(200);
    const order = orderViewSchema.parse(answer.json);
    expect(order).toMatchObject({
      orderId: busy,
      status: 'IN_PROGRESS',
      executionArn: expect.stringMatching(new RegExp(`:execution:number-orders-order:${busy}$`)),
      poolUuid: 'pool-6b4e2b0a',
      service: 'sms',
      partialAllowed: true,
      dryRun: false,
      reference: 'order-2',
      requested: 40,
      totals: { requested: 40, planned: 25, rented: 14, assigned: 8, verified: 5, failed: 0, released: 0, leaked: 0 },
      links: { self: `/orders/${busy}`, numbers: `/orders/${busy}/numbers` },
    });
    expect(order.lines).toHaveLength(2);
    expect(order.lines[0]).toMatchObject({
      line: 0,
      request: { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 25 },
      status: 'RENTING',
      counts: { requested: 25, planned: 25, rented: 12, assigned: 8, verified: 5 },
      plan: [{ groupId: '51200', quantity: 25, rentalRate: '0.80000' }],
      errors: [],
    });
    expect(order.lines[1]?.errors).toEqual([expect.objectContaining({ name: 'PlivoBadRequestError', plivoMessage: 'quantity exceeds stock for group 41600' })]);
    expect(Date.parse(order.createdAt)).not.toBeNaN();
    expect(Date.parse(order.updatedAt)).toBeGreaterThanOrEqual(Date.parse(order.createdAt));
  });

  it('answers 404 for an unknown id and for a malformed one', async () => {
    const unknown = await api.call('GET', '/orders/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: 'order 00000000-0000-4000-8000-000000000000 does not exist' });

    for (const id of ['not-an-id', '%E0%A4%A', "x'OR'1'='1", 'a'.repeat(2000)]) {
      const malformed = await api.call('GET', `/orders/${id}`);
      expect(malformed.status, id).toBe(404);
      expect(errorResponseSchema.parse(malformed.json).error, id).toMatch(/orderId: is not an order id|no route/);
    }
  });

  it('logs the order id on the request line', async () => {
    api.logger.clear();
    await api.call('GET', `/orders/${busy}`);
    expect(api.logger.entries.find((e) => e.message === 'request')).toMatchObject({ orderId: busy, statusCode: 200, path: `/orders/${busy}` });
  });
});

describe('GET /orders/{id}/numbers', () => {
  it('pages through the numbers with limit and cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await api.call('GET', `/orders/${busy}/numbers?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(answer.status).toBe(200);
      const page = orderNumbersPageSchema.parse(answer.json);
      expect(page.numbers.length).toBeLessThanOrEqual(5);
      seen.push(...page.numbers.map((n) => n.number));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toHaveLength(14);
    expect(new Set(seen).size).toBe(14);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('filters by line and shows each number’s status', async () => {
    const answer = await api.call('GET', `/orders/${busy}/numbers?line=0&limit=1000`);
    const page = orderNumbersPageSchema.parse(answer.json);
    expect(page.numbers).toHaveLength(12);
    expect(page.nextCursor).toBeUndefined();
    expect(page.numbers.every((n) => n.line === 0 && n.groupId === '51200')).toBe(true);
    const count = (status: string) => page.numbers.filter((n) => n.status === status).length;
    expect([count('VERIFIED'), count('ASSIGNED'), count('RENTED')]).toEqual([5, 3, 4]);
  });

  it('uses a page size of 100 by default', async () => {
    const page = orderNumbersPageSchema.parse((await api.call('GET', `/orders/${busy}/numbers`)).json);
    expect(page.numbers).toHaveLength(14);
  });

  it('refuses bad query parameters with 422, naming them', async () => {
    const cases: [string, RegExp][] = [
      ['limit=0', /^query parameter limit: must be at least 1$/],
      ['limit=1001', /^query parameter limit: must be at most 1000$/],
      ['limit=ten', /^query parameter limit: must be a number$/],
      ['limit=2.5', /^query parameter limit: must be a whole number$/],
      ['line=-1', /^query parameter line: must be at least 0$/],
      ['line=2', /^query parameter line: must be below 2: the order has 2 lines$/],
      ['lines=0', /^query parameter lines: is not a known query parameter$/],
      ['cursor=%%%', /^query parameter cursor: /],
      ['cursor=bm90LWpzb24', /^query parameter cursor: /],
    ];
    for (const [query, error] of cases) {
      const answer = await api.call('GET', `/orders/${busy}/numbers?${query}`);
      expect(answer.status, query).toBe(422);
      expect(errorResponseSchema.parse(answer.json).error, query).toMatch(error);
    }
  });

  it('refuses a cursor from another list with 422, not 500', async () => {
    const orders = orderListSchema.parse((await api.call('GET', '/orders?limit=1')).json);
    const numbers = orderNumbersPageSchema.parse((await api.call('GET', `/orders/${busy}/numbers?limit=1`)).json);
    const foreign = [
      [`/orders/${busy}/numbers?cursor=${encodeURIComponent(orders.nextCursor ?? '')}`, 'an order-list cursor'],
      [`/orders/${created[0]}/numbers?cursor=${encodeURIComponent(numbers.nextCursor ?? '')}`, "another order's cursor"],
      [`/orders?cursor=${encodeURIComponent(numbers.nextCursor ?? '')}`, 'a numbers cursor on the order list'],
    ];
    for (const [path, what] of foreign) {
      const answer = await api.call('GET', path as string);
      expect(answer.status, what).toBe(422);
      expect(answer.json, what).toMatchObject({ issues: [{ path: 'cursor' }] });
    }
  });

  it('answers 404 for an unknown order', async () => {
    const answer = await api.call('GET', '/orders/00000000-0000-4000-8000-000000000000/numbers');
    expect(answer.status).toBe(404);
  });
});

describe('GET /orders', () => {
  it('lists orders newest first, a page at a time', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const answer = await api.call('GET', `/orders?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(answer.status).toBe(200);
      const page = orderListSchema.parse(answer.json);
      expect(page.orders.length).toBeLessThanOrEqual(2);
      seen.push(...page.orders.map((o) => o.orderId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...created].reverse());
  });

  it('filters by status', async () => {
    const completed = orderListSchema.parse((await api.call('GET', '/orders?status=COMPLETED')).json);
    expect(completed.orders.map((o) => o.orderId)).toEqual([created[4], created[1]]);
    expect(completed.orders.every((o) => o.status === 'COMPLETED')).toBe(true);

    const first = orderListSchema.parse((await api.call('GET', '/orders?status=COMPLETED&limit=1')).json);
    expect(first.orders.map((o) => o.orderId)).toEqual([created[4]]);
    const second = orderListSchema.parse((await api.call('GET', `/orders?status=COMPLETED&limit=1&cursor=${encodeURIComponent(first.nextCursor ?? '')}`)).json);
    expect(second.orders.map((o) => o.orderId)).toEqual([created[1]]);

    const received = orderListSchema.parse((await api.call('GET', '/orders?status=RECEIVED')).json);
    expect(received.orders.map((o) => o.orderId)).toEqual([created[3], created[0]]);
    expect(received.orders[0]).toMatchObject({ reference: 'order-3', requested: 40, lineCount: 2, dryRun: false });
  });

  it('refuses an unknown status, naming the allowed ones', async () => {
    const answer = await api.call('GET', '/orders?status=DONE');
    expect(answer.status).toBe(422);
    expect(errorResponseSchema.parse(answer.json).error).toMatch(/^query parameter status: must be one of "RECEIVED", "IN_PROGRESS"/);
  });
});
