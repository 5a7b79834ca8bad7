/** `visibleAfterMs`: a pool add succeeds, but the pool's list and find show the number only later. */
import { describe, expect, it } from 'vitest';
import { admin, api, rent, startTestSandbox } from './helpers.js';

describe('eventual visibility of pool adds', () => {
  it('hides an added number from the list and the find until visibleAfterMs has passed', async () => {
    let nowMs = Date.parse('2030-03-01T00:00:00Z');
    const sandbox = await startTestSandbox({ now: () => nowMs });
    try {
      const pack = await api(sandbox, 'POST', 'Powerpack/', { json: { name: 'late' } });
      const pool = String(pack.body.number_pool).split('/')[5] ?? '';
      const [late, early] = await rent(sandbox, 'country_iso=US&prefix=512', 2);
      expect((await admin(sandbox, 'POST', 'faults', { rules: [{ method: 'POST', path: 'NumberPool', visibleAfterMs: 5_000, count: 1 }] })).status).toBe(200);
      expect((await api(sandbox, 'POST', `NumberPool/${pool}/Number/${late ?? ''}/`)).status).toBe(200);
      expect((await api(sandbox, 'POST', `NumberPool/${pool}/Number/${early ?? ''}/`)).status).toBe(200);

      const listed = async (): Promise<string[]> =>
        ((await api(sandbox, 'GET', `NumberPool/${pool}/Number/`)).body.objects as { number: string }[]).map((o) => o.number);
      expect(await listed()).toEqual([early]);
      expect((await api(sandbox, 'GET', `NumberPool/${pool}/Number/${late ?? ''}/`)).status).toBe(404);
      // It is in the pool all the same: a second add is refused.
      expect((await api(sandbox, 'POST', `NumberPool/${pool}/Number/${late ?? ''}/`)).status).toBe(400);

      nowMs += 4_999;
      expect(await listed()).toEqual([early]);
      nowMs += 1;
      expect((await listed()).sort()).toEqual([late, early].sort());
      expect((await api(sandbox, 'GET', `NumberPool/${pool}/Number/${late ?? ''}/`)).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });
});
