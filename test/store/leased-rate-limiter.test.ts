import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeasedRateLimiter } from '../../functions/lib/store/leased-rate-limiter.js';
import { createTestTable } from '../support/dynamodb.js';

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
});
