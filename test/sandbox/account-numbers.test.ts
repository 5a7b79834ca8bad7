import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { api, rent, startTestSandbox, UUID } from './helpers.js';

interface NumberObject {
  number: string;
  alias: string | null;
  number_type: string;
  added_on: string;
  renewal_date: string;
  application: string | null;
  sub_account: string | null;
}

let sandbox: PlivoSandbox;
let austin: string[];
let sanFrancisco: string[];
let tollfree: string[];
let voiceOnly: string[];

beforeAll(async () => {
  sandbox = await startTestSandbox();
  austin = await rent(sandbox, 'country_iso=US&prefix=512', 30);
  sanFrancisco = await rent(sandbox, 'country_iso=US&prefix=415', 5);
  tollfree = await rent(sandbox, 'country_iso=US&number_type=tollfree&prefix=833', 2);
  voiceOnly = await rent(sandbox, 'country_iso=US&prefix=760', 1);
});
afterAll(() => sandbox.close());

const list = async (query: string): Promise<{ objects: NumberObject[]; meta: Record<string, unknown> }> => {
  const answer = await api(sandbox, 'GET', `Number/?${query}`);
  expect(answer.status, answer.text).toBe(200);
  return { objects: answer.body.objects as NumberObject[], meta: answer.body.meta as Record<string, unknown> };
};

describe('account number list', () => {
  it('pages 20 at a time in a stable order, and offset walks every number once', async () => {
    const first = await list('');
    expect(first.meta).toMatchObject({ limit: 20, offset: 0, total_count: 38, previous: null });
    expect(first.meta.next).toBe(`/v1/Account/${sandbox.authId}/Number/?limit=20&offset=20`);
    const seen: string[] = [];
    for (let offset = 0; offset < 38; offset += 6) seen.push(...(await list(`limit=6&offset=${offset}`)).objects.map((o) => o.number));
    expect(seen).toHaveLength(38);
    expect(new Set(seen).size).toBe(38);
    // Added time first, then number: each rent's numbers come together, sorted.
    expect(seen.slice(0, 30)).toEqual([...austin].sort());
    expect(seen.slice(30, 35)).toEqual([...sanFrancisco].sort());
    expect((await list('')).objects.map((o) => o.number)).toEqual(first.objects.map((o) => o.number));
  });

  it.each([
    ['type=tollfree', 2],
    ['number_type=tollfree', 2],
    // 36 local numbers, of which the default share (0.25, drawn per number from the seed) is
    // listed as "fixed"; a type filter matches the listed type exactly.
    ['type=local', 28],
    ['type=fixed', 8],
    ['type=mobile', 0],
    ['number_startswith=1415', 5],
    ['services=mms', 37],
    ['services=voice,sms', 37],
    ['renewal_date__gt=2000-01-01', 38],
    ['renewal_date__lt=2000-01-01', 0],
  ])('filters %s', async (query, count) => {
    expect((await list(`${query}&limit=1`)).meta.total_count).toBe(count);
  });

  it('keeps the filters in next', async () => {
    const { meta } = await list('number_startswith=1512&limit=10');
    expect(meta.next).toBe(`/v1/Account/${sandbox.authId}/Number/?limit=10&offset=10&number_startswith=1512`);
  });

  it.each([
    ['limit=21', 'limit'],
    ['type=premium', 'type'],
    ['number_type=premium', 'number_type'],
    ['number_startswith=15a', 'number_startswith'],
    ['services=fax', 'services'],
    ['renewal_date__gte=tomorrow', 'renewal_date__gte'],
    ['offset=x', 'offset'],
  ])('refuses %s with 400 naming the parameter', async (query, name) => {
    const answer = await api(sandbox, 'GET', `Number/?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain(name);
  });
});

describe('one account number', () => {
  it('has exactly the AccountPhoneNumber fields', async () => {
    const answer = await api(sandbox, 'GET', `Number/${String(austin[0])}/`);
    expect(answer.status).toBe(200);
    expect(answer.body.api_id).toMatch(UUID);
    expect(Object.keys(answer.body).sort()).toEqual(
      [
        'api_id',
        'number',
        'alias',
        'sub_account',
        'added_on',
        'application',
        'carrier',
        'region',
        'number_type',
        'monthly_rental_rate',
        'renewal_date',
        'sms_enabled',
        'sms_rate',
        'mms_enabled',
        'mms_rate',
        'voice_enabled',
        'voice_rate',
        'resource_uri',
        'cnam_lookup',
        'cnam',
        'tendlc_registration_status',
        'tendlc_campaign_id',
        'toll_free_sms_verification',
        'profile_uuid',
        'caller_reputation_status',
      ].sort(),
    );
    expect(answer.body).toMatchObject({ carrier: 'Plivo', region: 'Texas, UNITED STATES', number_type: 'local' });
    expect(answer.body.added_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(answer.body.renewal_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(String(answer.body.renewal_date) > String(answer.body.added_on)).toBe(true);
    const voice = await api(sandbox, 'GET', `Number/${String(voiceOnly[0])}/`);
    expect(voice.body).toMatchObject({ sms_enabled: false, sms_rate: -1 });
  });

  it('answers 404 for a number the account does not have', async () => {
    const answer = await api(sandbox, 'GET', 'Number/15550000000/');
    expect(answer.status).toBe(404);
    expect(answer.body.error).toContain('15550000000');
  });

  it('updates alias, application and subaccount with 202 "changed"', async () => {
    const number = String(austin[1]);
    const answer = await api(sandbox, 'POST', `Number/${number}/`, {
      json: { alias: 'front desk', app_id: '424242', subaccount: 'SAABCDEFGHIJ0123456789'.slice(0, 20) },
    });
    expect(answer.status).toBe(202);
    expect(answer.body.message).toBe('changed');
    expect(answer.body.api_id).toMatch(UUID);
    const after = (await api(sandbox, 'GET', `Number/${number}/`)).body;
    expect(after).toMatchObject({
      alias: 'front desk',
      application: `/v1/Account/${sandbox.authId}/Application/424242/`,
      sub_account: 'SAABCDEFGHIJ01234567',
    });
    expect((await list('alias=front%20desk')).objects.map((o) => o.number)).toEqual([number]);
    expect((await list('subaccount=SAABCDEFGHIJ01234567')).meta.total_count).toBe(1);

    const unlink = await api(sandbox, 'POST', `Number/${number}/`, { form: { app_id: 'null' } });
    expect(unlink.status).toBe(202);
    expect((await api(sandbox, 'GET', `Number/${number}/`)).body.application).toBeNull();
  });

  it('refuses a malformed subaccount with 400', async () => {
    const answer = await api(sandbox, 'POST', `Number/${String(austin[2])}/`, { json: { subaccount: 'nobody' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('subaccount');
  });

  it('unrents with 204 and no body; then the number is gone, and nothing is refunded', async () => {
    const number = String(austin[3]);
    const charged = sandbox.snapshot().charges.total;
    const answer = await api(sandbox, 'DELETE', `Number/${number}/`);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect((await api(sandbox, 'GET', `Number/${number}/`)).status).toBe(404);
    expect((await api(sandbox, 'DELETE', `Number/${number}/`)).status).toBe(404);
    const snapshot = sandbox.snapshot();
    expect(snapshot.charges.total).toBe(charged);
    expect(snapshot.unrented.map((entry) => entry.number)).toContain(number);
    expect(snapshot.numbers.map((entry) => entry.number)).not.toContain(number);
    expect(tollfree).toHaveLength(2);
  });
});
