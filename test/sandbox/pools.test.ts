import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { admin, api, rent, startTestSandbox, UUID } from './helpers.js';

interface PoolNumber {
  number: string;
  service?: string;
  type: string;
  country_iso2: string;
  number_pool_uuid: string;
  added_on: string;
  account_phone_number_resource: string;
}

let sandbox: PlivoSandbox;
let poolUuid: string;
let powerpackUuid: string;
let austin: string[];
let sanFrancisco: string[];
let toronto: string[];
let tollfree: string[];
let voiceOnly: string[];

beforeAll(async () => {
  sandbox = await startTestSandbox();
  austin = await rent(sandbox, 'country_iso=US&prefix=512', 4);
  sanFrancisco = await rent(sandbox, 'country_iso=US&prefix=415', 2);
  toronto = await rent(sandbox, 'country_iso=CA&prefix=416', 1);
  tollfree = await rent(sandbox, 'country_iso=US&number_type=tollfree&prefix=844', 3);
  voiceOnly = await rent(sandbox, 'country_iso=US&prefix=760', 1);
});
afterAll(() => sandbox.close());

const poolPath = (rest: string): string => `NumberPool/${poolUuid}/${rest}`;

describe('Powerpack', () => {
  it('refuses a Powerpack without a name', async () => {
    const answer = await api(sandbox, 'POST', 'Powerpack/', { json: { sticky_sender: true } });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('name is required');
  });

  it('refuses a sticky_sender that is not a boolean', async () => {
    const answer = await api(sandbox, 'POST', 'Powerpack/', { json: { name: 'x', sticky_sender: 'maybe' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('sticky_sender');
  });

  it('creates a Powerpack with an empty pool, and gets and lists it', async () => {
    const answer = await api(sandbox, 'POST', 'Powerpack/', {
      json: { name: 'orders-test', sticky_sender: false, number_priority: [{ country_iso: 'US', priority: { priority1: 'tollfree' } }] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ name: 'orders-test', sticky_sender: false, local_connect: true, application_type: '' });
    expect(answer.body.uuid).toMatch(UUID);
    expect(answer.body.api_id).toMatch(UUID);
    const numberPool = String(answer.body.number_pool);
    expect(numberPool).toMatch(new RegExp(`^/v1/Account/${sandbox.authId}/NumberPool/[0-9a-f-]{36}/$`));
    powerpackUuid = String(answer.body.uuid);
    poolUuid = numberPool.split('/')[5] ?? '';
    expect(poolUuid).toMatch(UUID);

    const got = await api(sandbox, 'GET', `Powerpack/${powerpackUuid}/`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ uuid: powerpackUuid, number_pool: numberPool, created_on: answer.body.created_on });
    expect((await api(sandbox, 'GET', 'Powerpack/12345/')).status).toBe(404);

    const listed = await api(sandbox, 'GET', 'Powerpack/?limit=5');
    expect(listed.body.meta).toMatchObject({ total_count: 1, next: '', previous: '' });
    expect((listed.body.objects as { uuid: string }[])[0]?.uuid).toBe(powerpackUuid);

    const pool = await api(sandbox, 'GET', poolPath(''));
    expect(pool.body).toMatchObject({
      uuid: poolUuid,
      numbers: `/v1/Account/${sandbox.authId}/NumberPool/${poolUuid}/Number/`,
      shortcodes: `/v1/Account/${sandbox.authId}/NumberPool/${poolUuid}/Shortcode/`,
    });
    expect((await api(sandbox, 'GET', 'NumberPool/00000000-0000-4000-8000-000000000000/')).status).toBe(404);
    expect((await api(sandbox, 'GET', poolPath('Number/'))).body.objects).toEqual([]);
  });
});

describe('pool numbers', () => {
  it('adds numbers (sms by default, mms when asked) and answers the pool number object', async () => {
    const added = await api(sandbox, 'POST', poolPath(`Number/${String(austin[0])}/`));
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      account_phone_number_resource: `/v1/Account/${sandbox.authId}/Number/${String(austin[0])}/`,
      added_on: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      api_id: expect.stringMatching(UUID),
      country_iso2: 'US',
      number: austin[0],
      number_pool_uuid: poolUuid,
      service: 'sms',
      type: 'fixed',
    });
    const mms = await api(sandbox, 'POST', poolPath(`Number/${String(austin[1])}/`), { json: { service: 'mms' } });
    expect(mms.body.service).toBe('mms');
    for (const number of [austin[2], austin[3], ...sanFrancisco, ...toronto]) {
      expect((await api(sandbox, 'POST', poolPath(`Number/${String(number)}/`), { form: { service: 'sms' } })).status).toBe(200);
    }
    // A toll-free number may join through Number/ too; it keeps type "tollfree".
    const viaNumber = await api(sandbox, 'POST', poolPath(`Number/${String(tollfree[2])}/`));
    expect(viaNumber.body.type).toBe('tollfree');
  });

  it('refuses a service other than sms or mms', async () => {
    const answer = await api(sandbox, 'POST', poolPath(`Number/${String(voiceOnly[0])}/`), { json: { service: 'voice' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('service');
  });

  it('refuses a number the account does not have with 404', async () => {
    const answer = await api(sandbox, 'POST', poolPath('Number/15125550100/'));
    expect(answer.status).toBe(404);
    expect(answer.body.error).toContain('15125550100');
  });

  it('refuses a number already in a pool with 400', async () => {
    const answer = await api(sandbox, 'POST', poolPath(`Number/${String(austin[0])}/`));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('already in number pool');
  });

  it('refuses a number that cannot do the service', async () => {
    const answer = await api(sandbox, 'POST', poolPath(`Number/${String(voiceOnly[0])}/`));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('not sms-enabled');
  });

  it('gets one member (without service, as the reference shows) and 404 for others', async () => {
    const answer = await api(sandbox, 'GET', poolPath(`Number/${String(austin[1])}/`));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ number: austin[1], number_pool_uuid: poolUuid, type: 'fixed', country_iso2: 'US' });
    expect(answer.body).not.toHaveProperty('service');
    expect((await api(sandbox, 'GET', poolPath(`Number/${String(voiceOnly[0])}/`))).status).toBe(404);
  });

  it('lists members with starts_with (without country code) + country_iso2, type, service and pages', async () => {
    const count = async (query: string): Promise<number> => {
      const answer = await api(sandbox, 'GET', poolPath(`Number/?${query}`));
      expect(answer.status, answer.text).toBe(200);
      return (answer.body.meta as { total_count: number }).total_count;
    };
    expect(await count('')).toBe(8);
    expect(await count('starts_with=512&country_iso2=US')).toBe(4);
    expect(await count('starts_with=512,415&country_iso2=us')).toBe(6);
    expect(await count('starts_with=416&country_iso2=US')).toBe(0);
    expect(await count('starts_with=416&country_iso2=CA')).toBe(1);
    expect(await count('country_iso2=CA')).toBe(1);
    expect(await count('type=fixed')).toBe(7);
    expect(await count('type=toll-free')).toBe(1);
    expect(await count('service=mms')).toBe(1);
    expect(await count('service=sms&type=fixed')).toBe(6);

    const page = await api(sandbox, 'GET', poolPath('Number/?limit=3&offset=3'));
    expect(page.body.meta).toEqual({
      limit: 3,
      offset: 3,
      total_count: 8,
      next: `/v1/Account/${sandbox.authId}/NumberPool/${poolUuid}/Number/?limit=3&offset=6`,
      previous: `/v1/Account/${sandbox.authId}/NumberPool/${poolUuid}/Number/?limit=3&offset=0`,
    });
    const last = await api(sandbox, 'GET', poolPath('Number/?limit=3&offset=6'));
    expect((last.body.meta as { next: string }).next).toBe('');
    expect((last.body.objects as PoolNumber[]).every((member) => member.service !== undefined)).toBe(true);
  });

  it('reads the SDK\'s odd query string (`&?search=hack`) as meant', async () => {
    const answer = await api(sandbox, 'GET', poolPath('Number/?starts_with=415&country_iso2=US&?search=hack'));
    expect(answer.status).toBe(200);
    expect((answer.body.objects as PoolNumber[]).map((member) => member.number).sort()).toEqual([...sanFrancisco].sort());
  });

  it.each([
    ['starts_with=512', 'country_iso2 is required when starts_with is given'],
    ['starts_with=1,2,3,4,5,6,7,8,9,10,11&country_iso2=US', 'starts_with takes at most 10 prefixes'],
    ['starts_with=5x2&country_iso2=US', 'starts_with'],
    ['type=local', 'type'],
    ['service=voice', 'service'],
    ['country_iso2=USA', 'country_iso2'],
    ['limit=21', 'limit'],
  ])('refuses %s with 400', async (query, message) => {
    const answer = await api(sandbox, 'GET', poolPath(`Number/?${query}`));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain(message);
  });

  it('removes a member, keeping the number in the account', async () => {
    const number = String(austin[2]);
    const answer = await api(sandbox, 'DELETE', poolPath(`Number/${number}/`));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ api_id: expect.stringMatching(UUID), response: 'success' });
    expect((await api(sandbox, 'GET', poolPath(`Number/${number}/`))).status).toBe(404);
    expect((await api(sandbox, 'GET', `Number/${number}/`)).status).toBe(200);
    expect((await api(sandbox, 'DELETE', poolPath(`Number/${number}/`))).status).toBe(404);
  });

  it('removes and unrents with unrent=true (JSON boolean, as the SDK sends it)', async () => {
    const number = String(austin[3]);
    const answer = await api(sandbox, 'DELETE', poolPath(`Number/${number}/`), { json: { unrent: true } });
    expect(answer.status).toBe(200);
    expect((await api(sandbox, 'GET', `Number/${number}/`)).status).toBe(404);
    const snapshot = sandbox.snapshot();
    expect(snapshot.numbers.map((entry) => entry.number)).not.toContain(number);
    expect(snapshot.pools[poolUuid]?.members.map((member) => member.number)).not.toContain(number);
    expect(snapshot.unrented.map((entry) => entry.number)).toContain(number);
  });

  it('refuses an unrent that is not true or false', async () => {
    const answer = await api(sandbox, 'DELETE', poolPath(`Number/${String(austin[0])}/?unrent=yes`));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('unrent');
  });

  it('takes a number out of its pool when it is unrented through Number/', async () => {
    const number = String(sanFrancisco[1]);
    expect((await api(sandbox, 'DELETE', `Number/${number}/`)).status).toBe(204);
    expect((await api(sandbox, 'GET', poolPath(`Number/${number}/`))).status).toBe(404);
    expect(sandbox.snapshot().pools[poolUuid]?.members.some((member) => member.number === number)).toBe(false);
  });

  it('shows the pool in the ground truth', () => {
    const pool = sandbox.snapshot().pools[poolUuid];
    expect(pool).toMatchObject({ powerpackUuid, powerpackName: 'orders-test' });
    expect(pool?.members.find((member) => member.number === austin[1])).toMatchObject({ service: 'mms', type: 'fixed', countryIso2: 'US' });
    expect(sandbox.snapshot().numbers.find((entry) => entry.number === austin[1])?.poolUuid).toBe(poolUuid);
  });
});

describe('pool toll-free numbers', () => {
  it('adds, gets, lists and removes (with unrent) toll-free numbers', async () => {
    const [first, second] = tollfree;
    const added = await api(sandbox, 'POST', poolPath(`Tollfree/${String(first)}/`), { json: { service: 'mms' } });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ number: first, type: 'tollfree', service: 'mms', country_iso2: 'US' });
    expect((await api(sandbox, 'POST', poolPath(`Tollfree/${String(second)}/`))).status).toBe(200);

    const got = await api(sandbox, 'GET', poolPath(`Tollfree/${String(first)}/`));
    expect(got.body).toMatchObject({ number: first, type: 'tollfree' });
    // The SDK's find_tollfree(n, service) puts "&service=…" after the path's slash.
    expect((await api(sandbox, 'GET', poolPath(`Tollfree/${String(first)}/&service=mms`))).status).toBe(200);

    const listed = await api(sandbox, 'GET', poolPath('Tollfree/'));
    expect((listed.body.objects as PoolNumber[]).map((member) => member.number).sort()).toEqual([...tollfree].sort());
    expect(listed.body.meta).toMatchObject({ total_count: 3, next: '', previous: '' });

    const removed = await api(sandbox, 'DELETE', poolPath(`Tollfree/${String(second)}/`), { form: { unrent: 'true' } });
    expect(removed.body.response).toBe('success');
    expect((await api(sandbox, 'GET', `Number/${String(second)}/`)).status).toBe(404);
  });

  it('refuses a number that is not toll-free under Tollfree/', async () => {
    const answer = await api(sandbox, 'POST', poolPath(`Tollfree/${String(toronto[0])}/`));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('not a toll-free number');
    expect((await api(sandbox, 'GET', poolPath(`Tollfree/${String(toronto[0])}/`))).status).toBe(404);
  });
});

describe('pool shortcodes', () => {
  it('lists, gets and unlinks shortcodes added through the admin route', async () => {
    const added = await admin(sandbox, 'POST', 'shortcodes', { poolUuid, shortcode: '55555', countryIso2: 'US' });
    expect(added.status).toBe(201);
    sandbox.addShortcode(poolUuid, '44444');
    expect((await admin(sandbox, 'POST', 'shortcodes', { poolUuid: 'nope', shortcode: '123' })).status).toBe(404);
    expect((await admin(sandbox, 'POST', 'shortcodes', { poolUuid, shortcode: '12' })).status).toBe(400);

    const listed = await api(sandbox, 'GET', poolPath('Shortcode/'));
    expect(listed.body.meta).toMatchObject({ total_count: 2, next: '', previous: '' });
    expect(listed.body.objects).toContainEqual({
      added_on: expect.any(String),
      country_iso2: 'US',
      number_pool_uuid: poolUuid,
      shortcode: '55555',
    });
    const got = await api(sandbox, 'GET', poolPath('Shortcode/55555/'));
    expect(got.body).toMatchObject({ shortcode: '55555', number_pool_uuid: poolUuid, api_id: expect.stringMatching(UUID) });

    const removed = await api(sandbox, 'DELETE', poolPath('Shortcode/55555/'));
    expect(removed.body.response).toBe('success');
    expect((await api(sandbox, 'GET', poolPath('Shortcode/55555/'))).status).toBe(404);
    expect((await api(sandbox, 'DELETE', poolPath('Shortcode/55555/'))).status).toBe(404);
  });
});
