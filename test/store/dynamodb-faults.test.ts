/**
 * The store against DynamoDB's own failures, injected into the client every handler uses
 * (functions/lib/dynamodb-faults.ts) over DynamoDB Local: conflicts are retried, condition
 * failures never are and are never mistaken for conflicts, and a write whose answer was lost
 * after DynamoDB carried it out is harmless to repeat.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbFaults, parseDynamoDbFaults } from '../../functions/lib/dynamodb-faults.js';
import { orderRequestSchema } from '../../functions/lib/orders/model.js';
import { createStores, type Stores } from '../../functions/lib/store/stores.js';
import { createTestTable } from '../support/dynamodb.js';

let table: Awaited<ReturnType<typeof createTestTable>>;
let store: Stores;
const faults = new DynamoDbFaults();
let seq = 0;

beforeAll(async () => {
  table = await createTestTable({ faults });
  store = createStores(table.db, table.tableName);
});
afterAll(() => table.drop());
beforeEach(() => faults.reset());

/** A fresh order with one line of `quantity`, and `count` fresh numbers for it. */
async function freshOrder(count = 4): Promise<{ orderId: string; numbers: string[] }> {
  seq += 1;
  const orderId = `o-faults-${seq}`;
  await store.orders.create({
    orderId,
    request: orderRequestSchema.parse({ poolUuid: 'pool-1', lines: [{ countryIso: 'US', numberType: 'local', quantity: count }] }),
  });
  const numbers = Array.from({ length: count }, (_, i) => `1512555${String(seq).padStart(2, '0')}${String(i).padStart(2, '0')}`);
  return { orderId, numbers };
}

async function counters(orderId: string) {
  const line = await store.lines.get(orderId, 0);
  const numbers = await store.numbers.list(orderId, 0);
  const byStatus = (status: string) => numbers.filter((n) => n.status === status).length;
  return { rented: line.rented, released: line.released, numbers: numbers.length, RENTED: byStatus('RENTED'), RELEASED: byStatus('RELEASED') };
}

describe('DynamoDB faults against the store', () => {
  it('claims every number when its transactions meet conflicts, counting each once', async () => {
    const { orderId, numbers } = await freshOrder(4);
    faults.addRule({ fault: 'conflict', operation: 'TransactWriteItems', times: 3 });
    const result = await store.numbers.claim(orderId, 0, 'g-1', numbers);
    expect(result).toEqual({ claimed: numbers, conflicts: [] });
    expect(faults.injected.conflict).toBeGreaterThanOrEqual(3);
    expect(await counters(orderId)).toMatchObject({ rented: 4, numbers: 4, RENTED: 4 });
  });

  it('moves a number and its line counter when the transaction meets conflicts', async () => {
    const { orderId, numbers } = await freshOrder(3);
    await store.numbers.claim(orderId, 0, 'g-1', numbers);
    faults.addRule({ fault: 'conflict', operation: 'TransactWriteItems', times: 2 });
    const moved = await store.numbers.transition(orderId, 0, numbers, 'RENTED', 'RELEASED');
    expect(moved.sort()).toEqual([...numbers].sort());
    expect(await counters(orderId)).toMatchObject({ rented: 3, released: 3, RENTED: 0, RELEASED: 3 });
  });

  it('throws when conflicts outlast the retries, and never reads them as "someone else moved it"', async () => {
    const { orderId, numbers } = await freshOrder(1);
    await store.numbers.claim(orderId, 0, 'g-1', numbers);
    faults.addRule({ fault: 'conflict', operation: 'TransactWriteItems', times: 1_000 });
    await expect(store.numbers.transition(orderId, 0, numbers, 'RENTED', 'RELEASED')).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: expect.arrayContaining([expect.objectContaining({ Code: 'TransactionConflict' })]),
    });
    faults.reset();
    expect(await counters(orderId)).toMatchObject({ rented: 1, released: 0, RENTED: 1 });
  });

  it('sends a transition whose condition fails once, and reports the number as not moved', async () => {
    const { orderId, numbers } = await freshOrder(1);
    await store.numbers.claim(orderId, 0, 'g-1', numbers);
    const before = faults.attempts.TransactWriteItems ?? 0;
    expect(await store.numbers.transition(orderId, 0, numbers, 'ASSIGNED', 'VERIFIED')).toEqual([]);
    // One transaction for the chunk, one for the number alone: no retry of a condition failure.
    expect((faults.attempts.TransactWriteItems ?? 0) - before).toBe(2);
    expect(await counters(orderId)).toMatchObject({ rented: 1, RENTED: 1 });
  });

  it('takes throttles on every call in its stride (the SDK retries them)', async () => {
    const { orderId, numbers } = await freshOrder(4);
    faults.addRule({ fault: 'throttle', times: 3 });
    faults.addRule({ fault: 'throttle', operation: 'TransactWriteItems', times: 2 });
    expect((await store.numbers.claim(orderId, 0, 'g-1', numbers)).claimed).toEqual(numbers);
    expect(await counters(orderId)).toMatchObject({ rented: 4, RENTED: 4 });
  });

  it('repeats a claim and a release whose answers were lost after the write without counting twice', async () => {
    const { orderId, numbers } = await freshOrder(3);
    // The first attempt's answer is lost; the SDK sends it again with the same ClientRequestToken.
    faults.addRule({ fault: 'timeout', when: 'after', operation: 'TransactWriteItems', times: 1 });
    expect((await store.numbers.claim(orderId, 0, 'g-1', numbers.slice(0, 1))).claimed).toEqual(numbers.slice(0, 1));
    expect(await counters(orderId)).toMatchObject({ rented: 1, RENTED: 1 });

    // Every attempt's answer is lost: the caller sees the timeout, though DynamoDB claimed them.
    faults.addRule({ fault: 'timeout', when: 'after', operation: 'TransactWriteItems', times: 8 });
    await expect(store.numbers.claim(orderId, 0, 'g-1', numbers.slice(1))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(await counters(orderId)).toMatchObject({ rented: 3, RENTED: 3 });
    // The caller tries again: its own claims count as claimed, and nothing is counted twice.
    expect(await store.numbers.claim(orderId, 0, 'g-1', numbers)).toEqual({ claimed: numbers, conflicts: [] });
    expect(await counters(orderId)).toMatchObject({ rented: 3, RENTED: 3 });

    faults.addRule({ fault: 'timeout', when: 'after', operation: 'TransactWriteItems', times: 8 });
    await expect(store.numbers.transition(orderId, 0, numbers, 'RENTED', 'RELEASED')).rejects.toMatchObject({ name: 'TimeoutError' });
    // Repeated, the release finds them moved already (by its own lost write), and counts them once.
    expect(await store.numbers.transition(orderId, 0, numbers, 'RENTED', 'RELEASED')).toEqual([]);
    expect(await counters(orderId)).toMatchObject({ rented: 3, released: 3, RENTED: 0, RELEASED: 3 });
    expect(await store.numbers.owners(numbers)).toEqual([]);
  });

  it('starts and finishes a rent intent whose answers were lost after the write', async () => {
    const { orderId } = await freshOrder(3);
    // The conditional put lands, its answer is lost, and the SDK sends it again: the item is there.
    faults.addRule({ fault: 'timeout', when: 'after', operation: 'PutItem', times: 1 });
    const intent = await store.intents.start(orderId, 0, 'g-1', 3);
    expect(await store.intents.list(orderId, 0)).toEqual([expect.objectContaining({ seq: intent.seq, status: 'STARTED', quantity: 3 })]);
    // The same for the conditional update that closes it.
    faults.addRule({ fault: 'timeout', when: 'after', operation: 'UpdateItem', times: 1 });
    await store.intents.finish(intent, 'DONE', { rented: 3, failed: 0 });
    expect(await store.intents.list(orderId, 0)).toEqual([expect.objectContaining({ seq: intent.seq, status: 'DONE', rented: 3 })]);
    // A finish that disagrees with the recorded one is still refused.
    await expect(store.intents.finish(intent, 'NOT_APPLIED', { rented: 0, failed: 0 })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });
});

describe('parseDynamoDbFaults', () => {
  it('reads kind=probability pairs, any subset', () => {
    expect(parseDynamoDbFaults('conflict=0.05,throttle=0.05,timeout=0.01')).toEqual({ conflict: 0.05, throttle: 0.05, timeout: 0.01 });
    expect(parseDynamoDbFaults(' throttle = 0.5 ')).toEqual({ conflict: 0, throttle: 0.5, timeout: 0 });
  });

  it.each([
    ['', /empty value/],
    ['conflict', /got "conflict"/],
    ['latency=0.1', /"latency" is not a fault kind/],
    ['conflict=1.5', /conflict=1.5 is not a probability/],
    ['conflict=abc', /conflict=abc is not a probability/],
    ['conflict=0.1,conflict=0.2', /"conflict" is given twice/],
    ['conflict=0.6,throttle=0.6', /add up to more than 1/],
  ])('refuses %j, saying why', (text, why) => {
    expect(() => parseDynamoDbFaults(text, '--dynamodb-faults')).toThrow(why);
    expect(() => parseDynamoDbFaults(text, '--dynamodb-faults')).toThrow(/^--dynamodb-faults must be comma-separated kind=probability pairs/);
  });
});
