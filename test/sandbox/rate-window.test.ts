/**
 * The sandbox counts the rate limit with code of its own, in clock-aligned windows (`fixed`, the
 * default) or over the last window (`sliding`). A burst at the end of one window and another at
 * the start of the next tells them apart, and tells a client that trusts fixed windows what a
 * sliding Plivo would answer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InMemoryRateLimiter, PlivoClient } from '../../functions/lib/plivo/index.js';
import type { RateWindow } from '../../infra/local/plivo-sandbox/rate-limiter.js';
import { api, startTestSandbox } from './helpers.js';

const LIMIT = { requests: 5, windowMs: 1_000 };

/** Five requests at 900 ms into a window, five at 1,100 ms (the next window); the statuses. */
async function straddle(rateWindow: RateWindow): Promise<number[]> {
  let nowMs = Math.ceil(Date.now() / LIMIT.windowMs) * LIMIT.windowMs + 900;
  const sandbox = await startTestSandbox({ rateLimit: LIMIT, rateWindow, now: () => nowMs });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await api(sandbox, 'GET', 'Number/')).status);
    nowMs += 200;
    for (let i = 0; i < 5; i++) statuses.push((await api(sandbox, 'GET', 'Number/')).status);
    // A full window after the first burst: the sliding count has room again, the fixed one does not.
    nowMs += 800;
    statuses.push((await api(sandbox, 'GET', 'Number/')).status);
    return statuses;
  } finally {
    await sandbox.close();
  }
}

describe('the rate window', () => {
  it('fixed: each clock-aligned window admits its own five (and the sixth of the second is refused)', async () => {
    expect(await straddle('fixed')).toEqual([...Array(10).fill(200), 429]);
  });

  it('sliding: ten in 200 ms across a window edge are five too many, with Retry-After until a slot frees', async () => {
    expect(await straddle('sliding')).toEqual([...Array(5).fill(200), ...Array(5).fill(429), 200]);
  });

  it('sliding: a client that keeps to fixed windows meets 429s (why fixed is the default)', async () => {
    const sandbox = await startTestSandbox({ rateLimit: LIMIT, rateWindow: 'sliding' });
    try {
      const plivo = new PlivoClient({
        authId: sandbox.authId,
        authToken: sandbox.authToken,
        baseUrl: sandbox.url,
        limiter: new InMemoryRateLimiter({ limit: LIMIT }),
      });
      // The burst starts late in a window, so the client's next five (at the next window's start)
      // come well within a window of its first five, however slowly a loaded machine sends them.
      await sleep(LIMIT.windowMs - (Date.now() % LIMIT.windowMs) + 700);
      await Promise.all(Array.from({ length: 12 }, () => plivo.listAccountNumbers({ limit: 1 })));
      const counts = sandbox.snapshot().requests.byRoute['GET Number/'] ?? {};
      expect(counts['200']).toBe(12);
      expect(counts['429'] ?? 0).toBeGreaterThan(0);
    } finally {
      await sandbox.close();
    }
  });
});
