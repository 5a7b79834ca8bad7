import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedWindowCounter } from '../../functions/lib/plivo/rate-limit.js';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { admin, api, startTestSandbox, UUID } from './helpers.js';

const LIMIT = { requests: 5, windowMs: 500 };
const clock = new FixedWindowCounter(LIMIT);
/** The sandbox's clock: it moves only when a test moves it, so a burst fits in one window. */
let nowMs = Date.now();

let sandbox: PlivoSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ rateLimit: LIMIT, now: () => nowMs });
});
afterAll(() => sandbox.close());

/** Moves the sandbox's clock to the start of the next clock-aligned window. */
function nextWindow(): void {
  nowMs += clock.msUntilNextWindow(nowMs);
}

describe('rate limit (5 per 0.5 s here; 300 per 5 s by default)', () => {
  it('answers 429 with Retry-After beyond the limit, and admits again in the next window', async () => {
    nextWindow();
    const statuses: number[] = [];
    // An unauthenticated request takes a slot too.
    statuses.push((await api(sandbox, 'GET', 'Number/', { auth: null })).status);
    for (let i = 0; i < 4; i++) statuses.push((await api(sandbox, 'GET', 'Number/')).status);
    expect(statuses).toEqual([401, 200, 200, 200, 200]);

    const limited = await api(sandbox, 'GET', 'Number/');
    expect(limited.status).toBe(429);
    expect(limited.body.api_id).toMatch(UUID);
    expect(limited.body.error).toContain('too many requests');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(1);

    // The admin routes are not limited and not counted.
    expect((await admin(sandbox, 'GET', 'state')).status).toBe(200);
    const counts = sandbox.snapshot().requests.byRoute['GET Number/'];
    expect(counts).toEqual({ '401': 1, '200': 4, '429': 1 });

    // One millisecond before the next window: still limited; at it: admitted again.
    nowMs += clock.msUntilNextWindow(nowMs) - 1;
    expect((await api(sandbox, 'GET', 'Number/')).status).toBe(429);
    nextWindow();
    expect((await api(sandbox, 'GET', 'Number/')).status).toBe(200);
  });

  it('admits every request while withoutRateLimit runs (a benchmark seeding the account), and limits again after it', async () => {
    nextWindow();
    const inside = await sandbox.withoutRateLimit(() => Promise.all(Array.from({ length: 12 }, () => api(sandbox, 'GET', 'Number/').then((a) => a.status))));
    expect(new Set(inside)).toEqual(new Set([200]));
    // Requests made while the limit was off took no slot: the window still has all five.
    const after: number[] = [];
    for (let i = 0; i < 6; i++) after.push((await api(sandbox, 'GET', 'Number/')).status);
    expect(after).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('keeps the limit off until the last of overlapping withoutRateLimit calls ends, and on when one throws', async () => {
    nextWindow();
    let release = () => undefined as void;
    const held = sandbox.withoutRateLimit(() => new Promise<void>((resolve) => (release = resolve)));
    await expect(sandbox.withoutRateLimit(() => Promise.reject(new Error('seeding failed')))).rejects.toThrow('seeding failed');
    const whileHeld = await Promise.all(Array.from({ length: 8 }, () => api(sandbox, 'GET', 'Number/').then((a) => a.status)));
    expect(new Set(whileHeld)).toEqual(new Set([200]));
    release();
    await held;
    const after: number[] = [];
    for (let i = 0; i < 6; i++) after.push((await api(sandbox, 'GET', 'Number/')).status);
    expect(after).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('has no limit when rateLimit is null', async () => {
    const free = await startTestSandbox({ rateLimit: null });
    try {
      const statuses = await Promise.all(Array.from({ length: 30 }, () => api(free, 'GET', 'Number/').then((a) => a.status)));
      expect(new Set(statuses)).toEqual(new Set([200]));
    } finally {
      await free.close();
    }
  });
});
