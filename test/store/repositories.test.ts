import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyConflictError, InvalidCursorError, OrderNotFoundError } from '../../functions/lib/errors.js';
import { orderRequestSchema } from '../../functions/lib/orders/model.js';
import { bodyHash } from '../../functions/lib/store/body-hash.js';
import { createStores, type Stores } from '../../functions/lib/store/stores.js';
import { createTestTable } from '../support/dynamodb.js';

let table: Awaited<ReturnType<typeof createTestTable>>;
let store: Stores;
/** The repositories' clock: each reading one second after the last, so creation times never tie. */
let clockMs = Date.parse('2026-01-01T00:00:00.000Z');
const clock = () => new Date((clockMs += 1000));

beforeAll(async () => {
  table = await createTestTable();
  store = createStores(table.db, table.tableName, { now: clock });
});
afterAll(() => table.drop());

const request = orderRequestSchema.parse({
  poolUuid: 'pool-1',
  lines: [
    { countryIso: 'US', numberType: 'local', prefix: '512', quantity: 3 },
    { countryIso: 'CA', numberType: 'local', quantity: 2 },
  ],
});

describe('the order repositories against DynamoDB Local', () => {
  it('creates an order with its lines and reads them back', async () => {
    const { created, order } = await store.orders.create({ orderId: 'o-basic', request });
    expect(created).toBe(true);
    expect(order).toMatchObject({ status: 'RECEIVED', lineCount: 2, requested: 5 });
    const lines = await store.lines.list('o-basic');
    expect(lines.map((l) => [l.line, l.requested, l.status])).toEqual([
      [0, 3, 'RECEIVED'],
      [1, 2, 'RECEIVED'],
    ]);
  });

  it("lists a pool's active orders with the order itself (not dry runs) until they are forgotten", async () => {
    const pooled = { ...request, poolUuid: 'pool-active' };
    await store.orders.create({ orderId: 'o-active-1', request: pooled });
    await store.orders.create({ orderId: 'o-active-2', request: pooled });
    await store.orders.create({ orderId: 'o-active-dry', request: { ...pooled, dryRun: true } });
    expect((await store.orders.activeInPool('pool-active')).sort()).toEqual(['o-active-1', 'o-active-2']);
    await store.orders.forgetActive('pool-active', 'o-active-1');
    expect(await store.orders.activeInPool('pool-active')).toEqual(['o-active-2']);
    expect(await store.orders.activeInPool('pool-other')).toEqual([]);
    // Ending an order takes it off the list; a status that is not an end leaves it.
    await store.orders.setStatus('o-active-2', 'IN_PROGRESS');
    expect(await store.orders.activeInPool('pool-active')).toEqual(['o-active-2']);
    await store.orders.setStatus('o-active-2', 'CANCELLED');
    expect(await store.orders.activeInPool('pool-active')).toEqual([]);
  });

  it('returns the same order for the same idempotency key and body, and refuses another body', async () => {
    const idempotency = { scope: 'key-a', key: 'k-1', bodyHash: bodyHash(request) };
    const first = await store.orders.create({ orderId: 'o-idem-1', request, idempotency });
    const second = await store.orders.create({ orderId: 'o-idem-2', request, idempotency });
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, order: { orderId: 'o-idem-1' } });
    await expect(store.orders.find('o-idem-2')).resolves.toBeUndefined();
    await expect(
      store.orders.create({ orderId: 'o-idem-3', request, idempotency: { ...idempotency, bodyHash: 'other' } }),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it('gives each number one owner, counts claims once, and reports conflicts', async () => {
    await store.orders.create({ orderId: 'o-a', request });
    await store.orders.create({ orderId: 'o-b', request });
    const first = await store.numbers.claim('o-a', 0, 'g1', ['15120000001', '15120000002']);
    expect(first).toEqual({ claimed: ['15120000001', '15120000002'], conflicts: [] });
    // A retried claim of the same numbers by the same line is harmless and not counted twice.
    const again = await store.numbers.claim('o-a', 0, 'g1', ['15120000001', '15120000002', '15120000003']);
    expect(again.claimed.sort()).toEqual(['15120000001', '15120000002', '15120000003']);
    const other = await store.numbers.claim('o-b', 0, 'g1', ['15120000003', '15120000004']);
    expect(other.claimed).toEqual(['15120000004']);
    expect(other.conflicts).toEqual([expect.objectContaining({ number: '15120000003', orderId: 'o-a', line: 0 })]);
    expect((await store.lines.get('o-a', 0)).rented).toBe(3);
    expect((await store.lines.get('o-b', 0)).rented).toBe(1);
  });

  it('moves numbers between statuses only from the expected status, with the counters', async () => {
    await store.orders.create({ orderId: 'o-t', request });
    const numbers = Array.from({ length: 120 }, (_, i) => `1512100${String(i).padStart(4, '0')}`);
    await store.numbers.claim('o-t', 0, 'g1', numbers);
    expect(await store.numbers.transition('o-t', 0, numbers, 'RENTED', 'ASSIGNED')).toHaveLength(120);
    expect(await store.numbers.transition('o-t', 0, numbers.slice(0, 10), 'RENTED', 'ASSIGNED')).toEqual([]);
    expect(await store.numbers.transition('o-t', 0, numbers.slice(0, 100), 'ASSIGNED', 'VERIFIED')).toHaveLength(100);
    expect(await store.numbers.transition('o-t', 0, numbers.slice(0, 5), 'VERIFIED', 'RELEASED')).toHaveLength(5);
    const line = await store.lines.get('o-t', 0);
    expect(line).toMatchObject({ rented: 120, assigned: 120, verified: 95, released: 5 });
    const assigned = await store.numbers.list('o-t', 0, ['ASSIGNED']);
    expect(assigned).toHaveLength(20);
  });

  it('lists orders newest first, filtered by status, with a cursor', async () => {
    for (const id of ['o-l1', 'o-l2', 'o-l3']) await store.orders.create({ orderId: id, request });
    await store.orders.setStatus('o-l2', 'COMPLETED');
    const first = await store.orders.list({ limit: 2 });
    expect(first.items.map((o) => o.orderId)).toEqual(['o-l3', 'o-l2']);
    expect(first.cursor).toBeDefined();
    const completed = await store.orders.list({ status: 'COMPLETED' });
    expect(completed.items.map((o) => o.orderId)).toEqual(['o-l2']);
  });

  it('stamps items with the injected clock', async () => {
    const before = clockMs;
    const { order } = await store.orders.create({ orderId: 'o-clock', request });
    expect(Date.parse(order.createdAt)).toBeGreaterThan(before);
    expect(Date.parse(order.createdAt)).toBeLessThanOrEqual(clockMs);
  });

  it('refuses a cursor it did not give out: undecodable, or not a key of this list', async () => {
    await expect(store.orders.list({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
    await store.orders.create({ orderId: 'o-cursor', request });
    await store.numbers.claim('o-cursor', 0, 'g1', ['15125550001', '15125550002']);
    const page = await store.numbers.page('o-cursor', { limit: 1 });
    expect(page.cursor).toBeDefined();
    // Another list's cursor decodes, and DynamoDB refuses it as a start key (a ValidationException).
    await expect(store.orders.list({ cursor: page.cursor! })).rejects.toBeInstanceOf(InvalidCursorError);
    const next = await store.numbers.page('o-cursor', { limit: 1, cursor: page.cursor! });
    expect(next.items).toHaveLength(1);
  });

  it('records an error only on an order and a line that exist (never a bare item of its own)', async () => {
    const recorded = { at: '2026-01-01T00:00:00.000Z', name: 'Error', message: 'boom' };
    await expect(store.orders.recordError('no-such-order', recorded)).rejects.toThrow(OrderNotFoundError);
    await expect(store.lines.recordError('no-such-order', 0, recorded)).rejects.toThrow(OrderNotFoundError);
    expect(await store.orders.find('no-such-order')).toBeUndefined();
    expect(await store.lines.list('no-such-order')).toEqual([]);
  });

  it('moves an order status only from the allowed statuses', async () => {
    await store.orders.create({ orderId: 'o-s', request });
    expect(await store.orders.setStatus('o-s', 'IN_PROGRESS', ['RECEIVED'])).toBe(true);
    expect(await store.orders.setStatus('o-s', 'IN_PROGRESS', ['RECEIVED'])).toBe(false);
  });
});
