/** The sandbox clock: renewal_date is the next monthly anniversary, and each renewal is charged. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { admin, api, rent, startTestSandbox } from './helpers.js';

/** The sandbox starts on 31 January 2030, noon UTC: the month-end clamp shows at once. */
const START = Date.parse('2030-01-31T12:00:00Z');
let sandbox: PlivoSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ now: () => START });
});
afterAll(() => sandbox.close());

const renewalOf = async (number: string): Promise<unknown> => (await api(sandbox, 'GET', `Number/${number}/`)).body.renewal_date;

describe('POST /__sandbox/clock', () => {
  it('moves renewal_date along the monthly anniversaries (clamped to the month end) and charges each renewal', async () => {
    const [number] = await rent(sandbox, 'country_iso=US&prefix=512', 1);
    if (!number) throw new Error('no number rented');
    expect(await renewalOf(number)).toBe('2030-02-28');
    expect(sandbox.snapshot().charges.renewals).toEqual([]);

    expect((await admin(sandbox, 'POST', 'clock', { advanceDays: 27 })).body).toEqual({ now: '2030-02-27T12:00:00.000Z' });
    expect(await renewalOf(number)).toBe('2030-02-28');
    expect(sandbox.snapshot().charges.renewal).toBe(0);

    await admin(sandbox, 'POST', 'clock', { advanceDays: 1 });
    expect(await renewalOf(number)).toBe('2030-03-31');
    const once = sandbox.snapshot().charges;
    expect(once.renewals).toEqual([{ number, rentalRate: expect.any(String) as string, date: '2030-02-28' }]);
    expect(once.renewal).toBe(Number(once.renewals[0]?.rentalRate));
    expect(once.total).toBeCloseTo(once.setup + once.rental + once.renewal, 5);

    // Three months at once: three renewals, the 30th of April clamped, never a date in the past.
    expect((await admin(sandbox, 'POST', 'clock', { now: '2030-05-31T00:00:00Z' })).status).toBe(200);
    expect(await renewalOf(number)).toBe('2030-06-30');
    expect(sandbox.snapshot().charges.renewals.map((r) => r.date)).toEqual(['2030-02-28', '2030-03-31', '2030-04-30', '2030-05-31']);
    const listed = await api(sandbox, 'GET', 'Number/?renewal_date=2030-06-30');
    expect(listed.body.meta).toMatchObject({ total_count: 1 });
  });

  it('refuses to go backwards, and bodies that are neither advanceDays nor now (400)', async () => {
    expect((await admin(sandbox, 'POST', 'clock', { now: '2029-01-01T00:00:00Z' })).status).toBe(400);
    expect((await admin(sandbox, 'POST', 'clock', { advanceDays: -1 })).status).toBe(400);
    expect((await admin(sandbox, 'POST', 'clock', { now: 'tomorrow' })).status).toBe(400);
    expect((await admin(sandbox, 'POST', 'clock', {})).status).toBe(400);
  });

  it('goes back to the real clock on reset', async () => {
    await admin(sandbox, 'POST', 'reset');
    const [number] = await rent(sandbox, 'country_iso=US&prefix=512', 1);
    expect(await renewalOf(number ?? '')).toBe('2030-02-28');
  });
});
