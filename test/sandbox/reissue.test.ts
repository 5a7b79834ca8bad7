/** `reissueUnrented`: an unrented number goes back to stock (after the reclaim window) and out again first. */
import { describe, expect, it } from 'vitest';
import { admin, api, findGroup, rent, startTestSandbox } from './helpers.js';

describe('unrented numbers', () => {
  it('never come back by default', async () => {
    const sandbox = await startTestSandbox();
    try {
      const [number] = await rent(sandbox, 'country_iso=US&prefix=512', 1);
      expect((await api(sandbox, 'DELETE', `Number/${number ?? ''}/`)).status).toBe(204);
      const again = await rent(sandbox, 'country_iso=US&prefix=512', 3);
      expect(again).not.toContain(number);
    } finally {
      await sandbox.close();
    }
  });

  it('come back at once and first with reissueUnrented, back in stock', async () => {
    const sandbox = await startTestSandbox({ reissueUnrented: true });
    try {
      const [number] = await rent(sandbox, 'country_iso=US&prefix=512', 1);
      const stock = (await findGroup(sandbox, 'country_iso=US&prefix=512')).stock;
      await api(sandbox, 'DELETE', `Number/${number ?? ''}/`);
      expect((await findGroup(sandbox, 'country_iso=US&prefix=512')).stock).toBe(stock + 1);
      expect(await rent(sandbox, 'country_iso=US&prefix=512', 1)).toEqual([number]);
      expect(sandbox.snapshot().numbers.map((n) => n.number)).toEqual([number]);
    } finally {
      await sandbox.close();
    }
  });

  it('wait out the reclaim window first', async () => {
    const sandbox = await startTestSandbox({ reissueUnrented: true, reclaimDays: 2 });
    try {
      const [number] = await rent(sandbox, 'country_iso=US&prefix=512', 1);
      await api(sandbox, 'DELETE', `Number/${number ?? ''}/`);
      expect(await rent(sandbox, 'country_iso=US&prefix=512', 1)).not.toEqual([number]);
      await admin(sandbox, 'POST', 'clock', { advanceDays: 2 });
      expect(await rent(sandbox, 'country_iso=US&prefix=512', 1)).toEqual([number]);
    } finally {
      await sandbox.close();
    }
  });
});
