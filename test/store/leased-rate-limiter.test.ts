import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPlivoCallContext } from '../../functions/lib/plivo/call-context.js';
import { LeasedRateLimiter } from '../../functions/lib/store/leased-rate-limiter.js';
import { createTestTable } from '../support/dynamodb.js';
import { limiterClock } from '../support/limiter-clock.js';
import { until } from '../support/until.js';

let table: Awaited<ReturnType<typeof createTestTable>>;
beforeAll(async () => {
  table = await createTestTable();
});
afterAll(() => table.drop());

describe('LeasedRateLimiter (DynamoDB-leased token bucket)', () => {
  it('holds the limit across several processes sharing one account budget', async () => {
    const limit = { requests: 30, windowMs: 400 };
    let leases = 0;
    const limiters = [0, 1, 2].map(
      () => new LeasedRateLimiter({ db: table.db, tableName: table.tableName, account: 'acct-1', limit, leaseSize: 7, onLease: () => leases++ }),
    );
    let granted = 0;
    await Promise.all(Array.from({ length: 90 }, (_, i) => limiters[i % 3]!.acquire().then(() => granted++)));
    expect(granted).toBe(90);
    // The ledger in DynamoDB: no window ever had more than the limit leased, and it took several windows.
    const ledger = await table.db.send(
      new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'RATE#acct-1' } }),
    );
    const used = (ledger.Items ?? []).map((item) => Number(item.used));
    expect(used.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...used)).toBeLessThanOrEqual(30);
    expect(used.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(90);
    // Batches: far fewer writes than tokens.
    expect(leases).toBeLessThan(90 / 3);
  });

  it('leases what is left when less than a batch remains', async () => {
    const limit = { requests: 10, windowMs: 60_000 };
    const a = new LeasedRateLimiter({ db: table.db, tableName: table.tableName, account: 'acct-2', limit, leaseSize: 8 });
    const b = new LeasedRateLimiter({ db: table.db, tableName: table.tableName, account: 'acct-2', limit, leaseSize: 8 });
    await a.acquire();
    // a holds 8 tokens; b can only get the 2 that are left, then must wait for the next window.
    await b.acquire();
    await b.acquire();
    const controller = new AbortController();
    const third = b.acquire(controller.signal);
    setTimeout(() => controller.abort(new Error('waited for the next window')), 100);
    await expect(third).rejects.toThrow('waited for the next window');
  });

  it('keeps background calls of two processes within their share of each window, with nothing else waiting', async () => {
    const windowMs = 1_000;
    const limit = { requests: 10, windowMs };
    // Both processes read one clock that the test moves, window by window, once both wait on it.
    const clock = limiterClock(2_000 * windowMs);
    const grants: number[] = [];
    const limiters = [0, 1].map(
      () =>
        new LeasedRateLimiter({
          db: table.db,
          tableName: table.tableName,
          account: 'acct-3',
          limit,
          leaseSize: 5,
          backgroundShare: 0.2,
          now: clock.now,
          sleep: clock.sleep,
          onGrant: (at) => grants.push(Math.floor(at / windowMs)),
        }),
    );
    const calls = 4;
    const waiting = [calls, calls];
    limiters.forEach((limiter, i) => {
      for (let n = 0; n < calls; n++) {
        void withPlivoCallContext({ key: 'reconciler', priority: 'background' }, () => limiter.acquire()).then(() => waiting[i]!--);
      }
    });
    for (let windows = 0; grants.length < 2 * calls; windows++) {
      expect(windows, 'windows needed').toBeLessThan(10);
      // Every process that still has callers has done what it could this window: it sleeps on the clock.
      await until('each process with callers to wait for the next window', () => waiting.filter((n) => n > 0).length === clock.sleeping() || grants.length === 2 * calls);
      if (grants.length < 2 * calls) clock.nextWindow(windowMs);
    }
    // 0.2 of 10: 2 background requests per window across both processes, though 8 more were free.
    const perWindow = [...new Set(grants)].map((window) => grants.filter((w) => w === window).length);
    expect(perWindow).toEqual([2, 2, 2, 2]);
    const ledger = await table.db.send(
      new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'RATE#acct-3' } }),
    );
    expect((ledger.Items ?? []).map((item) => [Number(item.used), Number(item.background)])).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
  });

  it('leases customer tokens in a window whose background share is spent', async () => {
    const limit = { requests: 10, windowMs: 1_000 };
    const clock = limiterClock(3_000 * limit.windowMs);
    const options = { db: table.db, tableName: table.tableName, account: 'acct-4', limit, leaseSize: 5, backgroundShare: 0.2, now: clock.now, sleep: clock.sleep };
    const background = new LeasedRateLimiter(options);
    const customer = new LeasedRateLimiter(options);
    await withPlivoCallContext({ key: 'rebalance', priority: 'background' }, () => Promise.all([background.acquire(), background.acquire()]));
    // A third background call must wait for the next window; a customer of another process does not.
    void withPlivoCallContext({ key: 'rebalance', priority: 'background' }, () => background.acquire());
    await until('the background call to wait for the next window', () => clock.sleeping() === 1);
    await withPlivoCallContext({ key: 'order-1', priority: 'customer' }, () => Promise.all(Array.from({ length: 8 }, () => customer.acquire())));
    const ledger = await table.db.send(
      new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'RATE#acct-4' } }),
    );
    expect((ledger.Items ?? []).map((item) => [Number(item.used), Number(item.background)])).toEqual([[10, 2]]);
  });
});
