/**
 * `PhoneNumber/`: search numbers one by one and buy one, from the same inventory as group rents.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../infra/local/plivo-sandbox/catalogue.js';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { admin, api, findGroup, startTestSandbox } from './helpers.js';

interface PhoneNumberObject {
  number: string;
  prefix: string;
  city: string | null;
  type: string;
  sub_type: string;
  restriction: string | null;
  resource_uri: string;
}

let sandbox: PlivoSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});
beforeEach(() => sandbox.reset());
afterAll(() => sandbox.close());

async function search(query: string): Promise<{ objects: PhoneNumberObject[]; meta: Record<string, unknown> }> {
  const answer = await api(sandbox, 'GET', `PhoneNumber/?${query}`);
  expect(answer.status, answer.text).toBe(200);
  return answer.body as unknown as { objects: PhoneNumberObject[]; meta: Record<string, unknown> };
}

const buy = (number: string, json: Record<string, unknown> = {}) => api(sandbox, 'POST', `PhoneNumber/${number}/`, { json });

describe('PhoneNumber/ search', () => {
  it('lists numbers with the PhoneNumber object fields, counting the whole stock', async () => {
    const page = await search('country_iso=US&type=local&pattern=512&limit=5');
    expect(page.objects).toHaveLength(5);
    const first = page.objects[0];
    expect(Object.keys(first ?? {}).sort()).toEqual(
      [
        'number', 'prefix', 'city', 'country', 'region', 'rate_center', 'lata', 'type', 'sub_type', 'setup_rate', 'monthly_rental_rate',
        'sms_enabled', 'sms_rate', 'mms_enabled', 'mms_rate', 'voice_enabled', 'voice_rate', 'restriction', 'restriction_text', 'resource_uri',
      ].sort(),
    );
    expect(first).toMatchObject({ prefix: '512', city: 'AUSTIN', type: 'fixed', sub_type: 'local', restriction: null });
    expect(first?.number).toMatch(/^1512[2-9]\d{6}$/);
    expect(first?.resource_uri).toBe(`/v1/Account/${sandbox.authId}/PhoneNumber/${first?.number}/`);
    const stock = CATALOGUE.filter((g) => g.countryIso2 === 'US' && g.numberType === 'local' && g.prefix === '512').reduce(
      (sum, g) => sum + g.initialStock,
      0,
    );
    expect(page.meta).toMatchObject({ limit: 5, offset: 0, total_count: stock, previous: null });
    expect(page.meta.next).toContain('offset=5');
  });

  it('pages through distinct numbers, the same ones on a second look', async () => {
    const one = await search('country_iso=US&pattern=512&limit=20&offset=0');
    const two = await search('country_iso=US&pattern=512&limit=20&offset=20');
    const again = await search('country_iso=US&pattern=512&limit=20&offset=0');
    const numbers = [...one.objects, ...two.objects].map((o) => o.number);
    expect(new Set(numbers).size).toBe(40);
    expect(again.objects.map((o) => o.number)).toEqual(one.objects.map((o) => o.number));
  });

  it('finds vanity numbers beyond the prefix, toll-free and fixed numbers, and refuses bad parameters', async () => {
    const vanity = await search('country_iso=US&pattern=512777');
    expect(vanity.objects.length).toBeGreaterThan(0);
    for (const o of vanity.objects) expect(o.number.startsWith('1512777')).toBe(true);
    const tollfree = await search('country_iso=US&type=tollfree&limit=3');
    for (const o of tollfree.objects) expect(o).toMatchObject({ type: 'tollfree', sub_type: 'tollfree', city: null });
    const fixed = await search('country_iso=GB&type=fixed');
    expect(new Set(fixed.objects.map((o) => o.sub_type))).toEqual(new Set(['local']));
    const fr = await search('country_iso=FR&limit=1');
    expect(fr.objects[0]?.restriction).toBe('city-address');
    expect((await api(sandbox, 'GET', 'PhoneNumber/?type=local')).body.error).toMatch(/country_iso/);
    expect((await api(sandbox, 'GET', 'PhoneNumber/?country_iso=US&type=tollfree&region=austin')).body.error).toMatch(/region/);
  });
});

describe('PhoneNumber/ buy', () => {
  it('buys a searched number: 201 fulfilled, in the account, gone from search and from its group', async () => {
    const [offered] = (await search('country_iso=US&pattern=415&limit=1')).objects;
    const number = String(offered?.number);
    const answer = await buy(number, { cnam_lookup: 'enabled' });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ api_id: expect.any(String), message: 'created', numbers: [{ number, status: 'Success' }], status: 'fulfilled' });
    const owned = await api(sandbox, 'GET', `Number/${number}/`);
    expect(owned.body).toMatchObject({ number, cnam_lookup: 'enabled' });
    expect(owned.body.status).toBeUndefined();
    expect((await search('country_iso=US&pattern=415&limit=20')).objects.map((o) => o.number)).not.toContain(number);
    expect(Object.keys(sandbox.snapshot().charges.perNumber)).toContain(number);
    // Bought twice: the account already holds it.
    expect((await buy(number)).status).toBe(400);
  });

  it('a group rent hands out the numbers search showed, which then cannot be bought', async () => {
    const group = await findGroup(sandbox, 'country_iso=US&prefix=628');
    const shown = (await search('country_iso=US&pattern=628&limit=2')).objects.map((o) => o.number);
    const rented = await api(sandbox, 'POST', `AvailableNumberGroup/${group.group_id}/`, { json: { quantity: 2 } });
    expect((rented.body.numbers as { number: string }[]).map((n) => n.number)).toEqual(shown);
    const taken = await buy(String(shown[0]));
    expect(taken.status).toBe(400);
    const never = await buy('16285550100');
    expect(never.status).toBe(404);
    expect(never.body.error).toMatch(/not available/);
  });

  it('in a country with verification requirements: fulfilled, the number pending and inactive until approved', async () => {
    const [offered] = (await search('country_iso=FR&pattern=1&limit=1')).objects;
    const number = String(offered?.number);
    const answer = await buy(number);
    expect(answer.body).toMatchObject({ message: 'created', numbers: [{ number, status: 'pending' }], status: 'fulfilled' });
    expect((await api(sandbox, 'GET', `Number/${number}/`)).body).toMatchObject({ number, status: 'pending' });
    expect(sandbox.snapshot().charges.perNumber).toEqual({});
    const pool = await createPool();
    const refused = await api(sandbox, 'POST', `NumberPool/${pool}/Number/${number}/`, { json: { service: 'sms' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/not active/);
    expect((await admin(sandbox, 'POST', 'regulatory/approve', {})).status).toBe(200);
    expect((await api(sandbox, 'GET', `Number/${number}/`)).body.status).toBeUndefined();
    expect(Object.keys(sandbox.snapshot().charges.perNumber)).toEqual([number]);
    expect((await api(sandbox, 'POST', `NumberPool/${pool}/Number/${number}/`, { json: { service: 'sms' } })).status).toBe(200);
  });

  it('a rejected pending number leaves the account and is on offer again', async () => {
    const [offered] = (await search('country_iso=FR&pattern=4&limit=1')).objects;
    const number = String(offered?.number);
    await buy(number);
    expect((await admin(sandbox, 'POST', 'regulatory/reject', {})).status).toBe(200);
    expect((await api(sandbox, 'GET', `Number/${number}/`)).status).toBe(404);
    expect((await search('country_iso=FR&pattern=4&limit=20')).objects.map((o) => o.number)).toContain(number);
  });
});

async function createPool(): Promise<string> {
  const created = await api(sandbox, 'POST', 'Powerpack/', { json: { name: `pp-${Date.now()}-${Math.random()}` } });
  return String(String(created.body.number_pool).split('/')[5]);
}
