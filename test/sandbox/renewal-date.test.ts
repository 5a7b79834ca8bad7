/** `PATCH /__sandbox/numbers/{number}`: place a number's renewal_date inside or outside a release window. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { admin, api, rent, startTestSandbox } from './helpers.js';

let sandbox: PlivoSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

describe('PATCH /__sandbox/numbers/{number}', () => {
  it('sets renewal_date, as the account API and its filters then show it', async () => {
    const [first, second] = await rent(sandbox, 'country_iso=US&prefix=404', 2);
    if (!first || !second) throw new Error('rent gave no numbers');
    const patched = await admin(sandbox, 'PATCH', `numbers/${first}`, { renewal_date: '2030-01-02' });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ number: first, renewal_date: '2030-01-02' });
    expect((await api(sandbox, 'GET', `Number/${first}/`)).body.renewal_date).toBe('2030-01-02');
    const filtered = await api(sandbox, 'GET', 'Number/?renewal_date=2030-01-02');
    expect((filtered.body.objects as { number: string }[]).map((n) => n.number)).toEqual([first]);

    sandbox.setRenewalDate(second, '2030-02-03');
    expect((await api(sandbox, 'GET', `Number/${second}/`)).body.renewal_date).toBe('2030-02-03');
  });

  it('refuses a bad date (400) and an unknown number (404)', async () => {
    const [number] = await rent(sandbox, 'country_iso=US&prefix=404', 1);
    expect((await admin(sandbox, 'PATCH', `numbers/${number}`, { renewal_date: 'soon' })).status).toBe(400);
    expect((await admin(sandbox, 'PATCH', `numbers/${number}`, {})).status).toBe(400);
    expect((await admin(sandbox, 'PATCH', 'numbers/15550009999', { renewal_date: '2030-01-02' })).status).toBe(404);
  });
});
