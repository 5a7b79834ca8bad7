/**
 * The client's `PhoneNumber/` search and buy, the per-number pending shape of a rent, and a 429
 * that comes without Retry-After: against the sandbox or a local server, over real HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PlivoBadRequestError, PlivoNotFoundError } from '../../functions/lib/errors.js';
import { PlivoCallCounter, PlivoClient, type PlivoClientOptions, unlimited } from '../../functions/lib/plivo/index.js';
import { startPlivoSandbox, type PlivoSandbox } from '../../infra/local/plivo-sandbox/index.js';

let sandbox: PlivoSandbox;

function client(target: PlivoSandbox, options: Partial<PlivoClientOptions> = {}): PlivoClient {
  return new PlivoClient({
    authId: target.authId,
    authToken: target.authToken,
    baseUrl: target.url,
    limiter: unlimited,
    retry: { limit: 2, backoffLimitMs: 20, maxRetryAfterMs: 2_000 },
    ...options,
  });
}

beforeAll(async () => {
  sandbox = await startPlivoSandbox({ port: 0, rateLimit: null, seed: 11, pendingShape: 'number' });
});
afterAll(() => sandbox.close());
afterEach(() => vi.restoreAllMocks());

describe('PhoneNumber/ through the client', () => {
  it('searches (parsed with zod) and buys: active, then taken with Plivo\'s reason', async () => {
    const plivo = client(sandbox);
    const page = await plivo.searchPhoneNumbers({ countryIso: 'US', type: 'local', pattern: '512', services: 'sms', limit: 2 });
    expect(page.objects).toHaveLength(2);
    expect(page.objects[0]).toMatchObject({ type: 'fixed', sub_type: 'local', prefix: '512', restriction: null });
    expect(page.meta.total_count).toBeGreaterThan(2);
    const number = String(page.objects[0]?.number);
    expect(await plivo.buyPhoneNumber(number, { cnamLookup: 'disabled' })).toMatchObject({ status: 'active', number });
    const again = await plivo.buyPhoneNumber(number).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(PlivoBadRequestError);
    expect((again as Error).message).toMatch(/already in your account/);
    await expect(plivo.buyPhoneNumber('15125550000')).rejects.toBeInstanceOf(PlivoNotFoundError);
  });

  it('a buy in a country with verification requirements is pending; the account says so until approved', async () => {
    const plivo = client(sandbox);
    const [offered] = (await plivo.searchPhoneNumbers({ countryIso: 'FR', limit: 1 })).objects;
    expect(offered?.restriction).toBe('city-address');
    const number = String(offered?.number);
    expect(await plivo.buyPhoneNumber(number)).toMatchObject({ status: 'pending', number });
    expect((await plivo.getAccountNumber(number)).status).toBe('pending');
    sandbox.approvePending();
    expect((await plivo.getAccountNumber(number)).status).toBeUndefined();
  });
});

describe('group rent, per-number pending shape', () => {
  it('tells which numbers are pending, counting them neither rented nor failed', async () => {
    const plivo = client(sandbox);
    const [group] = (await plivo.searchNumberGroups({ countryIso: 'DE', limit: 1 })).objects;
    const result = await plivo.rentFromGroup(String(group?.group_id), { quantity: 3 });
    if (result.status !== 'fulfilled') throw new Error(`expected fulfilled, got ${result.status}`);
    expect(result.pending).toHaveLength(3);
    expect(result.rented).toEqual([]);
    expect(result.failed).toEqual([]);
  });

  it('sends compliance_application_id: an approved application makes the rent active at once', async () => {
    const plivo = client(sandbox);
    const created = await fetch(`${sandbox.url}/__sandbox/compliance-applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ countryIso2: 'DE', numberType: 'local', status: 'approved' }),
    });
    const { id } = (await created.json()) as { id: string };
    const [group] = (await plivo.searchNumberGroups({ countryIso: 'DE', limit: 1 })).objects;
    const result = await plivo.rentFromGroup(String(group?.group_id), { quantity: 2, complianceApplicationId: id });
    expect(result).toMatchObject({ status: 'fulfilled', pending: [], failed: [] });
    if (result.status === 'fulfilled') expect(result.rented).toHaveLength(2);
  });
});

describe('a 429 without Retry-After', () => {
  let server: Server;
  let url: string;
  const arrivals: number[] = [];

  beforeAll(async () => {
    server = createServer((_req, res) => {
      arrivals.push(Date.now());
      if (arrivals.length <= 2) {
        res.writeHead(429, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ api_id: 'busy', error: 'too many requests' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ api_id: 'ok', meta: { limit: 20, offset: 0, total_count: 0, next: null, previous: null }, objects: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('backs off by itself: exponential, jittered, capped', async () => {
    // Full jitter draws the delay in [0, computed]; drawing the top shows the exponential and the cap.
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const counter = new PlivoCallCounter();
    const plivo = new PlivoClient({
      authId: 'MAX',
      authToken: 't',
      baseUrl: url,
      limiter: unlimited,
      retry: { limit: 3, backoffLimitMs: 500, maxRetryAfterMs: 10_000 },
      onAttempt: counter.record,
    });
    await expect(plivo.listAccountNumbers()).resolves.toHaveProperty('objects');
    expect(counter.snapshot()).toMatchObject({ total: 3, retries: 2 });
    const [first = 0, second = 0, third = 0] = arrivals;
    // ky's default backoff: 300 ms, then 600 ms capped at 500 ms.
    expect(second - first).toBeGreaterThanOrEqual(250);
    expect(second - first).toBeLessThan(450);
    expect(third - second).toBeGreaterThanOrEqual(450);
    expect(third - second).toBeLessThan(800);
  });
});
