/**
 * The official plivo Node SDK, unchanged, against the sandbox: a client nobody here wrote must be
 * served as Plivo would serve it. The SDK's `url` option replaces `https://api.plivo.com/v1/Account/{id}`
 * (rest/client.js), and every call goes to `${url}/${action}`.
 */
import plivo from 'plivo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';
import { rent, startTestSandbox } from './helpers.js';

/** What these tests use of the SDK's Powerpack (its typings lag behind its code). */
interface SdkPowerpack {
  uuid: string;
  number_pool_id: string;
  add_number(number: string, service?: string): Promise<{ number: string; service: string; type: string; countryIso2: string; numberPoolUuid: string }>;
  list_numbers(params: object): Promise<{ meta: { totalCount: number; next: string }; objects: { number: string }[] }>;
  find_number(number: string): Promise<{ number: string; type: string; numberPoolUuid: string }>;
  remove_number(number: string, unrent?: boolean): Promise<{ response: string }>;
  add_tollfree(number: string, service?: string): Promise<{ number: string; type: string }>;
  list_tollfree(params: object): Promise<{ objects: { number: string }[] }>;
  list_shortcodes(params: object): Promise<{ meta: { totalCount: number }; objects: { shortcode: string }[] }>;
}

/** `numbers.get` exists (inherited in the SDK's code) but its typings leave it out. */
interface SdkNumbers {
  get(number: string): Promise<Record<string, unknown> & { delete(): Promise<boolean> }>;
}

let sandbox: PlivoSandbox;
let client: plivo.Client;
let numbers: SdkNumbers;
let austin: string[];
let tollfree: string[];

beforeAll(async () => {
  sandbox = await startTestSandbox();
  client = new plivo.Client(sandbox.authId, sandbox.authToken, { url: sandbox.accountUrl });
  numbers = client.numbers as unknown as SdkNumbers;
  austin = await rent(sandbox, 'country_iso=US&prefix=512', 4);
  await rent(sandbox, 'country_iso=US&prefix=415', 2);
  tollfree = await rent(sandbox, 'country_iso=US&number_type=tollfree&prefix=855', 1);
});
afterAll(() => sandbox.close());

describe('plivo SDK: numbers', () => {
  it('lists with filters and pagination meta', async () => {
    const all = await client.numbers.list({ limit: 3, offset: 0 });
    expect(all).toHaveLength(3);
    expect((all as unknown as { meta: { totalCount: number } }).meta.totalCount).toBe(7);
    const sanFrancisco = await client.numbers.list({ numberStartswith: '1415' });
    expect(sanFrancisco).toHaveLength(2);
    const tollfreeOnly = await client.numbers.list({ type: 'tollfree' });
    expect(tollfreeOnly.map((entry) => (entry as unknown as { number: string }).number)).toEqual(tollfree);
  });

  it('gets one number', async () => {
    const number = await numbers.get(String(austin[0]));
    expect(number).toMatchObject({ number: austin[0], carrier: 'Plivo', numberType: 'local', region: 'Texas, UNITED STATES' });
  });

  it('updates a number', async () => {
    const updated = await client.numbers.update(String(austin[1]), { alias: 'sdk alias', appId: '31337' });
    expect((updated as unknown as { message: string }).message).toBe('changed');
    const number = await numbers.get(String(austin[1]));
    expect(number).toMatchObject({ alias: 'sdk alias', application: `/v1/Account/${sandbox.authId}/Application/31337/` });
  });

  it('unrents with delete (and unrent) and then the number is gone', async () => {
    const number = await numbers.get(String(austin[2]));
    expect(await number.delete()).toBe(true);
    await expect(numbers.get(String(austin[2]))).rejects.toThrow();
    expect(sandbox.snapshot().numbers.map((entry) => entry.number)).not.toContain(austin[2]);
    expect(await client.numbers.unrent(String(austin[3]))).toBe(true);
    expect(sandbox.snapshot().numbers.map((entry) => entry.number)).not.toContain(austin[3]);
  });

  it('surfaces a 400 as the SDK\'s error', async () => {
    await expect(client.numbers.list({ limit: 50 })).rejects.toThrow(/limit/);
  });
});

describe('plivo SDK: Powerpack and number pool', () => {
  let powerpack: SdkPowerpack;

  it('creates and gets a Powerpack; the SDK finds its pool uuid', async () => {
    const created = await client.powerpacks.create('sdk-pack', { sticky_sender: true, local_connect: false });
    expect(created).toMatchObject({ name: 'sdk-pack', stickySender: true, localConnect: false });
    expect(created.numberPool).toMatch(/\/NumberPool\/[0-9a-f-]{36}\/$/);
    powerpack = (await client.powerpacks.get(created.uuid)) as unknown as SdkPowerpack;
    expect(powerpack.uuid).toBe(created.uuid);
    expect(powerpack.number_pool_id).toBe(created.numberPool.split('/')[5]);
    expect(Object.keys(sandbox.snapshot().pools)).toEqual([powerpack.number_pool_id]);
  });

  it('adds, lists (starts_with + country_iso2), finds and removes numbers', async () => {
    const sanFrancisco = (await client.numbers.list({ numberStartswith: '1415' })).map(
      (entry) => (entry as unknown as { number: string }).number,
    );
    const [first, second] = sanFrancisco;
    const added = await powerpack.add_number(String(first));
    expect(added).toMatchObject({ number: first, service: 'sms', type: 'fixed', countryIso2: 'US', numberPoolUuid: powerpack.number_pool_id });
    await powerpack.add_number(String(second), 'mms');
    await powerpack.add_tollfree(String(tollfree[0]));

    const listed = await powerpack.list_numbers({ starts_with: '415', country_iso2: 'US' });
    expect(listed.meta.totalCount).toBe(2);
    expect(listed.meta.next).toBe('');
    expect(listed.objects.map((entry) => entry.number).sort()).toEqual([...sanFrancisco].sort());
    expect((await powerpack.list_numbers({ service: 'mms' })).objects.map((entry) => entry.number)).toEqual([second]);
    expect((await powerpack.list_numbers({})).meta.totalCount).toBe(3);

    const found = await powerpack.find_number(String(first));
    expect(found).toMatchObject({ number: first, type: 'fixed', numberPoolUuid: powerpack.number_pool_id });

    const removed = await powerpack.remove_number(String(first), true);
    expect(removed.response).toBe('success');
    await expect(powerpack.find_number(String(first))).rejects.toThrow();
    // remove_number(n, true) unrents.
    await expect(numbers.get(String(first))).rejects.toThrow();
    expect(sandbox.snapshot().unrented.map((entry) => entry.number)).toContain(first);
  });

  it('lists toll-free numbers and shortcodes', async () => {
    const tollfreeList = await powerpack.list_tollfree({});
    expect(tollfreeList.objects.map((entry) => entry.number)).toEqual(tollfree);
    sandbox.addShortcode(powerpack.number_pool_id, '24680');
    const shortcodes = await powerpack.list_shortcodes({});
    expect(shortcodes.meta.totalCount).toBe(1);
    expect(shortcodes.objects[0]?.shortcode).toBe('24680');
  });
});

describe('plivo SDK: PhoneNumber search and buy', () => {
  it('searches numbers with filters and buys one, as the SDK calls them', async () => {
    const found = await client.numbers.search('US', { type: 'local', pattern: '628', services: 'voice,sms', limit: 3 });
    const offered = found.map((entry) => (entry as unknown as { number: string }).number);
    expect(offered).toHaveLength(3);
    for (const number of offered) expect(number).toMatch(/^1628\d{7}$/);
    expect((found as unknown as { meta: { totalCount: number } }).meta.totalCount).toBeGreaterThan(3);

    const bought = await client.numbers.buy(String(offered[0]));
    expect(bought).toMatchObject({ message: 'created', status: 'fulfilled', numbers: [{ number: offered[0], status: 'Success' }], statusCode: 201 });
    expect(sandbox.snapshot().numbers.map((entry) => entry.number)).toContain(offered[0]);
    await expect(client.numbers.buy(String(offered[0]))).rejects.toThrow(/already/);
  });

  it('buys with a compliance application through the SDK\'s own parameter', async () => {
    const application = await fetch(`${sandbox.url}/__sandbox/compliance-applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ countryIso2: 'FR', numberType: 'local', status: 'approved' }),
    }).then((response) => response.json() as Promise<{ id: string }>);
    const [first] = await client.numbers.search('FR', { pattern: '4', limit: 1 });
    const number = String((first as unknown as { number: string }).number);
    const bought = await client.numbers.buy(number, undefined, undefined, undefined, application.id);
    expect(bought).toMatchObject({ status: 'fulfilled', numbers: [{ number, status: 'Success' }] });
    const pending = await client.numbers.search('FR', { pattern: '1', limit: 1 });
    const withoutApplication = await client.numbers.buy(String((pending[0] as unknown as { number: string }).number));
    expect(withoutApplication).toMatchObject({ status: 'fulfilled', numbers: [{ status: 'pending' }] });
  });
});
