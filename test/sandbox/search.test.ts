import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { api, startTestSandbox, UUID, type GroupObject } from './helpers.js';

let sandbox: PlivoSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(() => sandbox.close());

describe('search validation: 400 naming the parameter', () => {
  it.each([
    ['no country_iso', '', 'country_iso is required'],
    ['country_iso not two letters', 'country_iso=USA', 'country_iso'],
    ['number_type unknown', 'country_iso=US&number_type=premium', 'number_type'],
    ['prefix not numeric', 'country_iso=US&prefix=5a', 'prefix must be numeric and at most 5 digits'],
    ['prefix of 6 digits', 'country_iso=US&prefix=512345', 'prefix must be numeric and at most 5 digits'],
    ['region with tollfree', 'country_iso=US&number_type=tollfree&region=Texas', 'region'],
    ['services unknown', 'country_iso=US&services=fax', 'services'],
    ['limit over 20', 'country_iso=US&limit=21', 'limit'],
    ['limit 0', 'country_iso=US&limit=0', 'limit'],
    ['limit not a number', 'country_iso=US&limit=ten', 'limit'],
    ['offset negative', 'country_iso=US&offset=-1', 'offset'],
  ])('%s', async (_case, query, message) => {
    const answer = await api(sandbox, 'GET', `AvailableNumberGroup/?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.api_id).toMatch(UUID);
    expect(answer.body.error).toContain(message);
    expect(Object.keys(answer.body).sort()).toEqual(['api_id', 'error']);
  });
});

describe('search', () => {
  it('answers Plivo group objects and ignores unknown parameters', async () => {
    const answer = await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=us&prefix=512&colour=blue');
    expect(answer.status).toBe(200);
    expect(answer.body.api_id).toMatch(UUID);
    const objects = answer.body.objects as GroupObject[];
    expect(objects.length).toBeGreaterThanOrEqual(3);
    const group = objects[0] as unknown as Record<string, unknown>;
    expect(Object.keys(group).sort()).toEqual(
      [
        'group_id',
        'number_type',
        'prefix',
        'region',
        'rental_rate',
        'setup_rate',
        'sms_enabled',
        'mms_enabled',
        'voice_enabled',
        'sms_rate',
        'voice_rate',
        'stock',
        'resource_uri',
      ].sort(),
    );
    expect(group.resource_uri).toBe(`/v1/Account/${sandbox.authId}/AvailableNumberGroup/${String(group.group_id)}/`);
    for (const entry of objects) {
      expect(entry.prefix).toBe('512');
      expect(entry.rental_rate).toMatch(/^\d+\.\d{5}$/);
      expect(entry.stock).toBeGreaterThan(0);
    }
    // Several groups for one prefix, at different prices, some above $1.00.
    expect(new Set(objects.map((entry) => entry.rental_rate)).size).toBeGreaterThan(1);
    expect(objects.some((entry) => Number(entry.rental_rate) > 1)).toBe(true);
  });

  it('accepts the path without its trailing slash', async () => {
    const answer = await api(sandbox, 'GET', 'AvailableNumberGroup?country_iso=US&limit=1');
    expect(answer.status).toBe(200);
  });

  it('finds groups by region, case-insensitively, as a substring', async () => {
    for (const region of ['Texas', 'california', 'NEW YORK', 'Austin']) {
      const answer = await api(sandbox, 'GET', `AvailableNumberGroup/?country_iso=US&region=${encodeURIComponent(region)}`);
      const objects = answer.body.objects as GroupObject[];
      expect(objects.length, region).toBeGreaterThan(0);
      for (const group of objects) expect(group.region.toLowerCase()).toContain(region.toLowerCase());
    }
  });

  it('filters by services, keeping groups that have all of them', async () => {
    const answer = await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=US&services=voice,mms&limit=20');
    const objects = answer.body.objects as GroupObject[];
    expect(objects.length).toBe(20);
    for (const group of objects) expect(group.mms_enabled && group.voice_enabled).toBe(true);
    const all = (await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=US&limit=1')).body.meta as { total_count: number };
    const mms = answer.body.meta as { total_count: number };
    expect(mms.total_count).toBeLessThan(all.total_count);
  });

  it('finds toll-free, mobile and national groups, and nothing for prefix 99999', async () => {
    const tollfree = (await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=US&number_type=tollfree')).body.objects as GroupObject[];
    expect(tollfree.map((group) => group.prefix)).toEqual(expect.arrayContaining(['833', '844', '855']));
    const mobile = (await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=GB&number_type=mobile')).body.objects as GroupObject[];
    expect(mobile.length).toBeGreaterThan(0);
    for (const group of mobile) expect(group.prefix).toMatch(/^7\d{3}$/);
    const national = await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=GB&number_type=national');
    expect((national.body.objects as GroupObject[]).length).toBeGreaterThan(0);
    const none = await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=US&prefix=99999');
    expect(none.status).toBe(200);
    expect(none.body.objects).toEqual([]);
    expect(none.body.meta).toMatchObject({ total_count: 0, next: null, previous: null });
  });

  it('does not list groups without stock', async () => {
    const snapshot = sandbox.snapshot();
    const empty = Object.entries(snapshot.inventory).filter(([, stock]) => stock === 0).map(([id]) => id);
    expect(empty.length).toBeGreaterThan(0);
    const listed = (await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=US&prefix=512')).body.objects as GroupObject[];
    for (const group of listed) expect(empty).not.toContain(group.group_id);
  });

  it('has the inventory a 100,000-number US order needs', () => {
    const stock = Object.values(sandbox.snapshot().inventory);
    expect(stock.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(250_000);
  });
});

describe('search pagination', () => {
  it('answers meta with next/previous URIs that keep the filters', async () => {
    const first = await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=US&services=sms&limit=20');
    const meta = first.body.meta as { limit: number; offset: number; next: string | null; previous: string | null; total_count: number };
    expect(meta).toMatchObject({ limit: 20, offset: 0, previous: null });
    expect(meta.total_count).toBeGreaterThan(40);
    expect(meta.next).toBe(`/v1/Account/${sandbox.authId}/AvailableNumberGroup/?limit=20&offset=20&country_iso=US&services=sms`);
    const second = await api(sandbox, 'GET', (meta.next ?? '').replace(`/v1/Account/${sandbox.authId}/`, ''));
    expect((second.body.meta as { previous: string }).previous).toBe(
      `/v1/Account/${sandbox.authId}/AvailableNumberGroup/?limit=20&offset=0&country_iso=US&services=sms`,
    );
  });

  it('walks every page by following next, seeing each group once', async () => {
    const seen: string[] = [];
    let path: string | null = `/v1/Account/${sandbox.authId}/AvailableNumberGroup/?country_iso=US&limit=7`;
    let total = 0;
    while (path !== null) {
      const answer = await api(sandbox, 'GET', path);
      expect(answer.status).toBe(200);
      const meta = answer.body.meta as { next: string | null; total_count: number };
      total = meta.total_count;
      seen.push(...(answer.body.objects as GroupObject[]).map((group) => group.group_id));
      path = meta.next;
    }
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
  });
});

describe('authentication', () => {
  it('refuses missing credentials with 401 and a Plivo-style body', async () => {
    const answer = await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=US', { auth: null });
    expect(answer.status).toBe(401);
    expect(answer.body.api_id).toMatch(UUID);
    expect(answer.body.error).toMatch(/auth/i);
  });

  it('refuses a wrong token', async () => {
    const answer = await api(sandbox, 'GET', 'AvailableNumberGroup/?country_iso=US', { auth: [sandbox.authId, 'nope'] });
    expect(answer.status).toBe(401);
  });

  it('refuses an account id in the path that is not the credentials', async () => {
    const answer = await api(sandbox, 'GET', '/v1/Account/MAOTHERACCOUNT000000/AvailableNumberGroup/?country_iso=US');
    expect(answer.status).toBe(401);
    expect(answer.body.error).toContain('MAOTHERACCOUNT000000');
  });

  it('answers 404 for an unknown resource and 405 for a wrong method', async () => {
    expect((await api(sandbox, 'GET', 'Nothing/')).status).toBe(404);
    const wrong = await api(sandbox, 'DELETE', 'AvailableNumberGroup/');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
  });
});
