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
    const grants: number[] = [];
    // Start at the beginning of a window so the test sees whole windows.
    await new Promise((r) => setTimeout(r, limit.windowMs - (Date.now() % limit.windowMs)));
    await Promise.all(
      Array.from({ length: 90 }, (_, i) => limiters[i % 3]!.acquire().then(() => grants.push(Date.now()))),
    );
    const perWindow = new Map<number, number>();
    for (const at of grants) {
      const w = Math.floor(at / limit.windowMs);
      perWindow.set(w, (perWindow.get(w) ?? 0) + 1);
    }
    expect(grants).toHaveLength(90);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(30);
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
