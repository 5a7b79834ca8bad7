/**
 * The account list as Plivo's "List account phone numbers" page has it: local numbers listed as
 * `fixed`, and the 10DLC, toll-free verification and CNAM filters; and unique Powerpack names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { api, rent, startTestSandbox } from './helpers.js';

const typesOf = async (sandbox: PlivoSandbox): Promise<Record<string, string>> => {
  const answer = await api(sandbox, 'GET', 'Number/?limit=20');
  return Object.fromEntries((answer.body.objects as { number: string; number_type: string }[]).map((o) => [o.number, o.number_type]));
};

describe('local numbers listed as "fixed"', () => {
  it('lists every local number as fixed at share 1, none at 0, never a toll-free one', async () => {
    for (const [fixedShare, expected] of [
      [1, 'fixed'],
      [0, 'local'],
    ] as const) {
      const sandbox = await startTestSandbox({ fixedShare });
      try {
        const local = await rent(sandbox, 'country_iso=US&prefix=512', 4);
        const tollfree = await rent(sandbox, 'country_iso=US&number_type=tollfree', 1);
        const types = await typesOf(sandbox);
        for (const number of local) expect(types[number]).toBe(expected);
        expect(types[tollfree[0] ?? '']).toBe('tollfree');
        expect((await api(sandbox, 'GET', `Number/${local[0] ?? ''}/`)).body.number_type).toBe(expected);
        // The type filter matches the listed type exactly.
        expect((await api(sandbox, 'GET', `Number/?type=${expected}`)).body.meta).toMatchObject({ total_count: 4 });
      } finally {
        await sandbox.close();
      }
    }
  });

  it('draws the default share per number from the seed: the same seed lists the same numbers as fixed', async () => {
    const draws: Record<string, string>[] = [];
    for (let run = 0; run < 2; run++) {
      const sandbox = await startTestSandbox({ seed: 5 });
      try {
        await rent(sandbox, 'country_iso=US&prefix=512', 20);
        draws.push(await typesOf(sandbox));
      } finally {
        await sandbox.close();
      }
    }
    expect(draws[0]).toEqual(draws[1]);
    const fixed = Object.values(draws[0] ?? {}).filter((type) => type === 'fixed').length;
    expect(fixed).toBeGreaterThan(0);
    expect(fixed).toBeLessThan(20);
  });
});

describe('the 10DLC, toll-free verification and CNAM filters', () => {
  let sandbox: PlivoSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ fixedShare: 0 });
    await rent(sandbox, 'country_iso=US&prefix=512', 3);
    await rent(sandbox, 'country_iso=US&number_type=tollfree', 2);
    await rent(sandbox, 'country_iso=GB', 1);
  });
  afterAll(() => sandbox.close());

  const count = async (query: string): Promise<unknown> => {
    const answer = await api(sandbox, 'GET', `Number/?${query}`);
    expect(answer.status, answer.text).toBe(200);
    return (answer.body.meta as { total_count: number }).total_count;
  };

  it.each([
    ['', 6],
    ['tendlc_registration_status=unregistered', 3],
    ['tendlc_registration_status=UNREGISTERED', 3],
    ['tendlc_registration_status=registered', 0],
    ['tendlc_registration_status=in_progress', 0],
    ['tendlc_campaign_id=2FA_campaign', 0],
    ['toll_free_sms_verification=unverified', 2],
    ['toll_free_sms_verification=verified', 0],
    ['cnam_lookup=disabled', 5],
    ['cnam_lookup=enabled', 0],
  ])('filters %s', async (query, expected) => {
    expect(await count(query)).toBe(expected);
  });

  it('refuses values the page does not list (400), and keeps the filters in next', async () => {
    const bad = await api(sandbox, 'GET', 'Number/?tendlc_registration_status=COMPLETED');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('tendlc_registration_status');
    expect((await api(sandbox, 'GET', 'Number/?toll_free_sms_verification=maybe')).status).toBe(400);
    expect((await api(sandbox, 'GET', 'Number/?cnam_lookup=on')).status).toBe(400);
    const paged = await api(sandbox, 'GET', 'Number/?cnam_lookup=disabled&limit=2');
    expect((paged.body.meta as { next: string }).next).toContain('cnam_lookup=disabled');
  });
});

describe('Powerpack names', () => {
  it('must be unique in the account (400 for a second Powerpack of the same name)', async () => {
    const sandbox = await startTestSandbox();
    try {
      expect((await api(sandbox, 'POST', 'Powerpack/', { json: { name: 'marketing' } })).status).toBe(200);
      const again = await api(sandbox, 'POST', 'Powerpack/', { json: { name: 'marketing' } });
      expect(again.status).toBe(400);
      expect(again.body.error).toContain('unique');
      expect((await api(sandbox, 'POST', 'Powerpack/', { json: { name: 'marketing-2' } })).status).toBe(200);
      expect(sandbox.snapshot().powerpacks).toHaveLength(2);
    } finally {
      await sandbox.close();
    }
  });
});
